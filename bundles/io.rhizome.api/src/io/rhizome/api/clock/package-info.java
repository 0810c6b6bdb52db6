/**
 * Hybrid logical clocks, shared by the engine (event ordering) and the CRDT types
 * (last-writer-wins tie-breaks).
 */
package io.rhizome.api.clock;
