import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Single write on daemon A (REST PUT, durable on return) → visible in daemon B's change stream (SSE). */
public class Latency {
    record Api(int port, String key) {
        static Api of(String file) throws Exception {
            String s = Files.readString(Path.of(file));
            Matcher p = Pattern.compile("\"port\":(\\d+)").matcher(s);
            Matcher k = Pattern.compile("\"apiKey\":\"([^\"]+)\"").matcher(s);
            if (!p.find() || !k.find()) {
                throw new IllegalStateException(file + " is malformed");
            }
            return new Api(Integer.parseInt(p.group(1)), k.group(1));
        }
    }

    public static void main(String[] args) throws Exception {
        Api a = Api.of(args[0]);
        Api b = Api.of(args[1]);
        int writes = Integer.parseInt(args[2]);
        HttpClient http = HttpClient.newHttpClient();
        BlockingQueue<String> seen = new ArrayBlockingQueue<>(100_000);
        HttpRequest sse = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/api/v1/events?ns=lat"))
                .header("X-API-Key", b.key()).build();
        HttpResponse<java.io.InputStream> stream = http.send(sse, HttpResponse.BodyHandlers.ofInputStream());
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String line;
                Pattern key = Pattern.compile("\"key\":\"(w\\d+)\"");
                while ((line = r.readLine()) != null) {
                    Matcher m = key.matcher(line);
                    if (line.startsWith("data:") && m.find()) {
                        seen.offer(m.group(1));
                    }
                }
            } catch (Exception e) {
                // stream closed at the end
            }
        });
        reader.setDaemon(true);
        reader.start();
        long[] nanos = new long[writes];
        long[] putNanos = new long[writes];
        int warmup = Math.min(50, writes / 10);
        for (int i = -warmup; i < writes; i++) {
            String k = "w" + (i + warmup);
            HttpRequest put = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port() + "/api/v1/ns/lat/" + k))
                    .header("X-API-Key", a.key()).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}")).build();
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(put, HttpResponse.BodyHandlers.ofString());
            long tPut = System.nanoTime() - t0;
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("PUT answered " + r.statusCode() + ": " + r.body());
            }
            while (true) {
                String got = seen.poll(10, TimeUnit.SECONDS);
                if (got == null) {
                    throw new IllegalStateException("write " + k + " did not reach B within 10 s");
                }
                if (got.equals(k)) {
                    break;
                }
            }
            if (i >= 0) {
                nanos[i] = System.nanoTime() - t0;
                putNanos[i] = tPut;
            }
        }
        Arrays.sort(nanos);
        Arrays.sort(putNanos);
        System.out.printf("latency: %d single writes on A (REST PUT, durable on return) -> B's change stream: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                writes, nanos[writes / 2] / 1e6, nanos[(int) (writes * 0.99)] / 1e6, nanos[writes - 1] / 1e6);
        System.out.printf("         of which the PUT on A until durable: p50 %.2f ms, p99 %.2f ms%n", putNanos[writes / 2] / 1e6,
                putNanos[(int) (writes * 0.99)] / 1e6);
        System.exit(0);
    }
}
