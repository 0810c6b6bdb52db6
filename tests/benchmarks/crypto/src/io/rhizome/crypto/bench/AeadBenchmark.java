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

import io.rhizome.spi.crypto.AeadAlgorithm;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyLookup;
import io.rhizome.spi.crypto.KeyService.MeshKey;

/**
 * One seal plus one open of a payload (the full round a change set makes), single thread.
 * MB/s = ops/s x size.
 *
 * <p>Why the set-up pre-warms with a mix of sizes: the JDK 17 AES-GCM intrinsics (AES-NI, CLMUL
 * GHASH) are only used once the JDK methods that call them are C2-compiled, which takes thousands
 * of calls, and payloads above ~256 KiB go through JDK code that small payloads never reach. A
 * benchmark that only ever seals 1 MiB payloads makes ~20 calls a second and would measure the
 * interpreter (~20 MB/s) for minutes. The warm-up (30,000 x 4 KiB and 2,000 x 200 KiB, about
 * 0.5 GB) reproduces a node that has been running for a while; the README states the cold case.
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AeadBenchmark {

    @Param({"bc-xchacha", "bc-aes", "jca-aes"})
    public String combo;

    @Param({"100", "4096", "1048576"})
    public int size;

    private EncryptionProvider provider;
    private AeadAlgorithm algorithm;
    private MeshKey key;
    private KeyLookup keys;
    private byte[] payload;
    private final byte[] ad = new byte[80];

    @Setup
    public void setUp() {
        provider = Providers.provider(combo);
        algorithm = Providers.algorithm(combo);
        Random r = new Random(1);
        byte[] k = new byte[32];
        r.nextBytes(k);
        key = new MeshKey(1, k);
        keys = KeyLookup.of(key);
        payload = new byte[size];
        r.nextBytes(payload);
        r.nextBytes(ad);
        byte[] small = new byte[4096];
        try {
            for (int i = 0; i < 30_000; i++) {
                provider.open(keys, provider.seal(algorithm, key, small, ad), ad);
            }
            byte[] medium = new byte[200_000];
            for (int i = 0; i < 2_000; i++) {
                provider.open(keys, provider.seal(algorithm, key, medium, ad), ad);
            }
        } catch (CryptoException e) {
            throw new IllegalStateException(e);
        }
    }

    @Benchmark
    public byte[] sealOpen() throws CryptoException {
        return provider.open(keys, provider.seal(algorithm, key, payload, ad), ad);
    }
}
