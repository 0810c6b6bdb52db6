package io.rhizome.transport.wireguard.tests;

import java.nio.file.Path;

import io.rhizome.transport.wireguard.internal.WireGuardAvailability;

/** Prints what {@link WireGuardAvailability} says about this process: run by a test as an unprivileged user. */
public final class AvailabilityMain {

    private AvailabilityMain() {
    }

    public static void main(String[] args) {
        System.out.println(WireGuardAvailability.check(Path.of(args[0])).map(r -> "UNAVAILABLE " + r).orElse("AVAILABLE"));
    }
}
