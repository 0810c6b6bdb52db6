package io.rhizome.crypto.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.rhizome.spi.crypto.AeadAlgorithm;
import io.rhizome.spi.crypto.ChangeSetContext;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyLookup;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.crypto.SealedBatch;
import io.rhizome.spi.crypto.Signer;

/**
 * Small (100-byte) change sets through sign + seal + open + verify, single thread; the score is
 * change sets per second. {@code perChangeSet} signs each one; {@code batchOf256} signs once per
 * batch of 256 (the SPI's sealBatch/openBatch).
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ChangeSetBenchmark {

    static final int BATCH = 256;

    @Param({"bc-xchacha", "bc-aes", "jca-aes"})
    public String combo;

    private EncryptionProvider provider;
    private AeadAlgorithm algorithm;
    private Signer signer;
    private MeshKey key;
    private KeyLookup keys;
    private ChangeSetContext context;
    private byte[] payload;
    private final List<ChangeSetContext> contexts = new ArrayList<>();
    private final List<byte[]> payloads = new ArrayList<>();

    @Setup
    public void setUp() {
        provider = Providers.provider(combo);
        algorithm = Providers.algorithm(combo);
        signer = Providers.signer(combo, provider);
        Random r = new Random(2);
        byte[] k = new byte[32];
        r.nextBytes(k);
        key = new MeshKey(3, k);
        keys = KeyLookup.of(key);
        payload = new byte[100];
        r.nextBytes(payload);
        context = new ChangeSetContext("notes", "01HZX3Q9-0000-cs", Providers.PUBLIC_KEY, 3);
        for (int i = 0; i < BATCH; i++) {
            contexts.add(new ChangeSetContext("notes", "01HZX3Q9-" + i, Providers.PUBLIC_KEY, 3));
            byte[] p = new byte[100];
            r.nextBytes(p);
            payloads.add(p);
        }
    }

    @Benchmark
    public byte[] perChangeSet() throws CryptoException {
        return provider.openChangeSet(keys, context, provider.sealChangeSet(algorithm, key, context, signer, payload));
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public List<byte[]> batchOf256() throws CryptoException {
        SealedBatch batch = provider.sealBatch(algorithm, key, signer, contexts, payloads);
        return provider.openBatch(keys, contexts, batch);
    }
}
