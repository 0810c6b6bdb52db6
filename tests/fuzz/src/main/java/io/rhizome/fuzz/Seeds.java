package io.rhizome.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes one target's seed corpus: {@code Seeds DIR CLASS}, with the target's system properties
 * set. The seeds are the code's own encodings of valid messages, so the fuzzer starts from inputs
 * that pass the first checks; run.sh {@code --write-seeds} rewrites all of them
 * ({@code tests/fuzz/corpus/NAME/seed-N}, committed).
 */
public final class Seeds {

    private Seeds() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Target target = (Target) Class.forName(args[1]).getDeclaredConstructor().newInstance();
        List<byte[]> seeds = target.seeds();
        Files.createDirectories(dir);
        for (int i = 0; i < seeds.size(); i++) {
            Files.write(dir.resolve("seed-" + i), seeds.get(i));
        }
        System.out.println(dir.getFileName() + ": " + seeds.size() + " seeds");
    }
}
