package io.rhizome.fuzz;

import java.util.List;

/**
 * What a fuzz target gives besides its {@code fuzzerTestOneInput}: the seed inputs, valid encodings
 * made by the code's own encoders (written to {@code tests/fuzz/corpus/NAME} by {@link Seeds}).
 */
public interface Target {
    List<byte[]> seeds() throws Exception;
}
