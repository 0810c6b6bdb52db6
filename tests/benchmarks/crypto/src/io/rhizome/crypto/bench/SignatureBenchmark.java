package io.rhizome.crypto.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.Signer;

/** Ed25519 sign and verify of a 200-byte message, single thread. */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SignatureBenchmark {

    @Param({"bc", "jca"})
    public String provider;

    private EncryptionProvider p;
    private Signer signer;
    private final byte[] message = new byte[200];
    private byte[] signature;

    @Setup
    public void setUp() throws CryptoException {
        p = Providers.provider(provider);
        signer = Providers.signer(provider, p);
        new Random(3).nextBytes(message);
        signature = signer.sign(message);
    }

    @Benchmark
    public byte[] sign() throws CryptoException {
        return signer.sign(message);
    }

    @Benchmark
    public boolean verify() {
        return p.verify(Providers.PUBLIC_KEY, message, signature);
    }
}
