/**
 * Tessera's public Java API: run convolutional networks on any OpenCL device and read how long each layer took.
 *
 * <p>The few types a caller needs: {@link dev.tessera.api.Devices} lists and selects devices;
 * {@link dev.tessera.api.Network} is a zoo model or one loaded with its weights; {@link dev.tessera.api.CompileOptions}
 * chooses backend, batch size and convolution algorithms; {@link dev.tessera.api.Session} (AutoCloseable) owns
 * everything on the device and runs batches; {@link dev.tessera.api.Output} holds the scores. Failures arrive as
 * subclasses of {@link dev.tessera.api.TesseraException}.
 *
 * <pre>{@code
 * Network net = Network.zoo("resnet18", 64).withSeededWeights(42);
 * try (Session s = net.compile(Devices.first(), CompileOptions.defaults().batch(2))) {
 *     Output out = s.run(new float[2 * net.inputSize()]);
 *     System.out.println(java.util.Arrays.toString(out.topK(0, 5)));
 * }
 * }</pre>
 *
 * <p>Only this package is public API. The other packages ({@code dev.tessera.opencl}, {@code dev.tessera.backend},
 * {@code dev.tessera.models}, ...) are Tessera's internals: public in the Java sense so the modules can use each
 * other, but they change without notice.
 */
package dev.tessera.api;
