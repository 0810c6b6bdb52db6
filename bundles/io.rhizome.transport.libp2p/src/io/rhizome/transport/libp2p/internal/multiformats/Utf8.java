package io.rhizome.transport.libp2p.internal.multiformats;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Strict UTF-8 for text from the wire (protocol names, Identify's strings, DNS labels): malformed
 * sequences, overlong forms and encoded surrogates (RFC 3629) are refused rather than replaced with
 * U+FFFD as {@code new String(bytes, UTF_8)} does, so that what a peer sent is either read exactly
 * or refused by the caller with its own typed error.
 */
public final class Utf8 {

    private Utf8() {
    }

    /** The text of {@code length} bytes at {@code offset}, or empty if they are not valid UTF-8. */
    public static Optional<String> decode(byte[] bytes, int offset, int length) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, offset, length)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    public static Optional<String> decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }
}
