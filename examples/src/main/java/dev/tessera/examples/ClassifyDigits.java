package dev.tessera.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import dev.tessera.api.CompileOptions;
import dev.tessera.api.Device;
import dev.tessera.api.Devices;
import dev.tessera.api.LayerTime;
import dev.tessera.api.Network;
import dev.tessera.api.Output;
import dev.tessera.api.Session;

/**
 * Classifies twelve handwritten digits with Tessera's trained LeNet-5 on the first OpenCL device, then prints what
 * each layer took. Exits 1 if fewer than 11 of the 12 come out right (the model scores 98.7% on held-out digits).
 *
 * <p>Run it from the repository root after {@code mvn install}: {@code mvn -f examples/pom.xml compile exec:java}.
 */
public final class ClassifyDigits {
    private ClassifyDigits() {
    }

    public static void main(String[] args) throws IOException {
        Path data = Path.of(args.length > 0 ? args[0] : "examples/data");
        int[] labels = Arrays.stream(Files.readString(data.resolve("labels.txt")).trim().split("\\s+"))
                .mapToInt(Integer::parseInt).toArray();

        Device device = Devices.first();
        Network lenet = Network.lenet5Mnist();
        System.out.println("device: " + device.name() + " (" + device.platform() + ")");
        System.out.println("network: " + lenet.name() + ", " + lenet.parameterCount() + " parameters");

        try (Session session = lenet.compile(device, CompileOptions.defaults().batch(labels.length))) {
            Output out = session.run(data.resolve("digits.npy"));
            int correct = 0;
            for (int i = 0; i < labels.length; i++) {
                int predicted = out.argmax(i);
                correct += predicted == labels[i] ? 1 : 0;
                System.out.printf("digit %2d: predicted %d, label %d%s%n", i, predicted, labels[i],
                        predicted == labels[i] ? "" : "  <- wrong");
            }
            System.out.printf("%d of %d correct, ran on %s, compiled in %.0f ms%n", correct, labels.length,
                    session.ranOn(), session.compileMs());
            for (LayerTime t : session.lastTimings()) {
                System.out.printf("  %-8s %-8s %-16s %8.3f ms%n", t.layer(), t.operator(), t.algorithm(), t.kernelMs());
            }
            if (correct < labels.length - 1) {
                System.err.println("too many wrong: the trained weights or the device give wrong answers");
                System.exit(1);
            }
        }
    }
}
