/** Names the notes application's widgets share with tools that drive it (its test driver). */
package io.rhizome.examples.notes;
