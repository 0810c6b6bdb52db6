package io.rhizome.transport.wireguard.tests;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The two TCP ends of the netns tests, run in a JVM inside a network namespace (the test JVM
 * cannot enter one). {@code serve ADDR PORT}: prints LISTENING, then ACCEPTED &lt;remote&gt; for each
 * connection and echoes one line. {@code call ADDR PORT TEXT}: prints FROM &lt;local&gt; and
 * REPLY &lt;line&gt;, or FAILED &lt;reason&gt; and exits 1. Bounded: a call gives up after 8 s, a
 * server after 5 minutes.
 */
public final class TcpEchoMain {

    private TcpEchoMain() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress address = InetAddress.getByName(args[1]);
        int port = Integer.parseInt(args[2]);
        if (args[0].equals("serve")) {
            try (ServerSocket server = new ServerSocket()) {
                server.bind(new InetSocketAddress(address, port));
                server.setSoTimeout(300_000);
                System.out.println("LISTENING");
                System.out.flush();
                while (true) {
                    try (Socket s = server.accept()) {
                        s.setSoTimeout(8_000);
                        System.out.println("ACCEPTED " + s.getInetAddress().getHostAddress());
                        System.out.flush();
                        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                        PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
                        out.println(in.readLine());
                    }
                }
            }
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 8_000);
            s.setSoTimeout(8_000);
            System.out.println("FROM " + s.getLocalAddress().getHostAddress());
            PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
            out.println(args[3]);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            System.out.println("REPLY " + in.readLine());
        } catch (Exception e) {
            System.out.println("FAILED " + e);
            System.exit(1);
        }
    }
}
