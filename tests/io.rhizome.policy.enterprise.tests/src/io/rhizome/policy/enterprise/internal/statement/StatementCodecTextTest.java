package io.rhizome.policy.enterprise.internal.statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An organisation statement whose text has an unpaired surrogate (JSON's backslash-u escape of
 * D800 makes one) is malformed: its signed bytes would encode it as '?', so another statement with
 * a '?' there would have the same id. tests/fuzz/regressions/org-statement/org-lone-surrogate.
 */
class StatementCodecTextTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATEMENT = "{\"v\":1,\"org\":\"ORG\",\"signer\":\"SIGNER\",\"seq\":1,\"seen\":[SEEN],\"at\":1,"
            + "\"action\":[\"org.create\",\"acme\",\"alice\"],\"sig\":\"AAAA\"}";

    @Test
    void aLoneSurrogateInAnyTextFieldIsMalformed() {
        String lone = "acme\\ud800";
        for (String[] field : new String[][] {{"org", STATEMENT.replace("ORG", lone).replace("SIGNER", "s").replace("SEEN", "")},
            {"signer", STATEMENT.replace("ORG", "acme").replace("SIGNER", lone).replace("SEEN", "")},
            {"seen", STATEMENT.replace("ORG", "acme").replace("SIGNER", "s").replace("SEEN", "\"" + lone + "\"")}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StatementCodec.fromJson(JSON.readTree(field[1])));
            assertTrue(e.getMessage().contains("'" + field[0] + "' is not valid Unicode text"), e.getMessage());
        }
    }

    @Test
    void aPairIsText() throws Exception {
        Statement s = StatementCodec.fromJson(JSON.readTree(STATEMENT.replace("ORG", "acme \\ud83d\\ude00").replace("SIGNER", "s").replace("SEEN", "")));
        assertEquals("acme \uD83D\uDE00", s.org());
    }
}
