/**
 * layerd as a library: {@link dev.layerd.api.Layerd} opens a root and offers what the {@code
 * layerd} command does (import, list and remove images; unpack; mount and unmount; list and remove
 * snapshots; apply a layer file; prune), with {@link dev.layerd.api.LayerdOptions}, {@link
 * dev.layerd.api.UnpackRequest} and {@link dev.layerd.api.ApplyRequest} as its inputs.
 *
 * <pre>{@code
 * try (Layerd layerd = Layerd.open(LayerdOptions.defaults())) {
 *   Image img = layerd.importImage(Path.of("alpine.tar"), ImportOptions.defaults()).getFirst();
 *   UnpackResult r = layerd.unpack(img.name(), UnpackRequest.defaults()
 *       .withProgress(p -> System.err.println(p.index() + " " + p.state())));
 *   System.out.println(img.name() + " -> " + r.chainId() + " (" + r.mode() + ")");
 * }
 * }</pre>
 */
package dev.layerd.api;
