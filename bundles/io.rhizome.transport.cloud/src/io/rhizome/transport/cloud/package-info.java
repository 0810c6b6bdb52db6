/**
 * Store-and-forward sync through a folder other devices can read: the shared logic
 * ({@link io.rhizome.transport.cloud.CloudExchange}) and the backend contract
 * ({@link io.rhizome.transport.cloud.CloudStore}) the folder and Google Drive bundles implement.
 */
package io.rhizome.transport.cloud;
