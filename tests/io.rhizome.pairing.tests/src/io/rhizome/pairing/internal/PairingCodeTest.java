package io.rhizome.pairing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.rhizome.api.PairingException;

class PairingCodeTest {

    @Test
    void randomCodesHaveTheDisplayFormAndDiffer() {
        SecureRandom r = new SecureRandom();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String d = PairingCode.random(r).display();
            assertTrue(d.matches("RZ-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"), d);
            seen.add(d);
        }
        assertEquals(200, seen.size());
    }

    @Test
    void parsingAcceptsWhatUsersType() {
        PairingCode c = PairingCode.parse("RZ-7K3M-9QXA-20B4");
        assertEquals(c, PairingCode.parse("rz-7k3m-9qxa-20b4"));
        assertEquals(c, PairingCode.parse("7K3M9QXA20B4"));
        assertEquals(c, PairingCode.parse(" RZ 7K3M 9QXA 2OB4 "), "O is read as 0");
        assertEquals(PairingCode.parse("RZ-1111-0000-AAAA"), PairingCode.parse("RZ-IlL1-OoO0-aaaa"));
        assertEquals("RZ-7K3M-9QXA-20B4", c.display());
    }

    @Test
    void malformedCodesSayWhatIsWrong() {
        PairingException e = assertThrows(PairingException.class, () -> PairingCode.parse("RZ-7K3M-9QXA"));
        assertEquals(PairingException.Reason.MALFORMED_CODE, e.reason());
        assertTrue(e.getMessage().contains("12 characters"), e.getMessage());
        e = assertThrows(PairingException.class, () -> PairingCode.parse("RZ-7K3M-9QXA-20BU"));
        assertTrue(e.getMessage().contains("'U'"), e.getMessage());
        assertThrows(PairingException.class, () -> PairingCode.parse(null));
        assertThrows(PairingException.class, () -> PairingCode.parseCodeOrUri("rhizome:join?addr=/ip4/127.0.0.1/tcp/1"));
    }

    @Test
    void joinUriCarriesCodeAndAddresses() {
        PairingCode.Parsed p = PairingCode.parseCodeOrUri("rhizome:join?code=RZ-7K3M-9QXA-20B4&addr=%2Fip4%2F127.0.0.1%2Ftcp%2F4001&addr=%2Fip6%2F%3A%3A1%2Ftcp%2F4001");
        assertEquals(PairingCode.parse("RZ-7K3M-9QXA-20B4"), p.code());
        assertEquals(List.of("/ip4/127.0.0.1/tcp/4001", "/ip6/::1/tcp/4001"), p.addresses());
    }

    @Test
    void rendezvousKeyDependsOnlyOnTheFirstGroupAndHidesIt() {
        String k = PairingCode.parse("RZ-7K3M-9QXA-20B4").rendezvousKey();
        assertEquals(k, PairingCode.parse("RZ-7K3M-0000-0000").rendezvousKey());
        assertNotEquals(k, PairingCode.parse("RZ-7K3N-9QXA-20B4").rendezvousKey());
        assertTrue(k.matches("rz-[0-9a-f]{16}"), k);
        assertTrue(!k.toUpperCase().contains("7K3M"));
    }

    @Test
    void toStringDoesNotLeakTheCode() {
        assertTrue(!PairingCode.parse("RZ-7K3M-9QXA-20B4").toString().contains("7K3M"));
    }
}
