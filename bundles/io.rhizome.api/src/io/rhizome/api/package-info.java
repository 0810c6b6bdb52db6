/**
 * The host-application API of Rhizome: what an application that installs the
 * Rhizome feature calls. Plugin authors look in {@code io.rhizome.spi.*} instead.
 */
package io.rhizome.api;
