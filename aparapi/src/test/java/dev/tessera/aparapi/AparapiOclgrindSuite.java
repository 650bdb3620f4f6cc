package dev.tessera.aparapi;

import java.util.ArrayList;
import java.util.List;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.opencl.SelfTest;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.OpenClDevices;

/**
 * Every Aparapi kernel on tiny shapes on the Oclgrind simulator, checked against the reference: run in a child JVM by
 * {@link AparapiOclgrindSuiteTest}, which also requires Oclgrind to have reported nothing. Thread-pool fallback is
 * forbidden, so every kernel runs as the OpenCL that Aparapi generated. Prints ALL PASSED or the failures.
 */
public final class AparapiOclgrindSuite {
    private AparapiOclgrindSuite() {
    }

    public static void main(String[] args) {
        ReferenceBackend reference = new ReferenceBackend();
        List<String> failures = new ArrayList<>();
        int checks = 0;
        try (AparapiBackend aparapi = AparapiBackend.open(DeviceSelector.parse("Oclgrind")
                .selectOne(OpenClDevices.all()), new AparapiBackend.Options(false, null))) {
            List<Object[]> cases = new ArrayList<>();
            List<SelfTest.ConvCase> convs = SelfTest.convCases();
            // groups + asymmetric padding + batch 2; stride 2x1 + dilation; 1x1; several tiles and channel blocks
            for (int index : new int[] {1, 3, 4, 7}) {
                SelfTest.ConvCase conv = convs.get(index);
                for (ConvAlgorithm algorithm : List.of(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL)) {
                    cases.add(new Object[] {conv.op(), conv.inputs(), Tolerances.relativeL2(algorithm.id()),
                        conv.name() + " " + algorithm, algorithm});
                }
            }
            Tensor x = Tensor.random(1, -2, 2, 2, 3, 5, 4);
            Tensor perChannel = Tensor.random(2, -1, 1, 3);
            Tensor positive = Tensor.random(3, 0.1f, 2, 3);
            cases.add(new Object[] {new Operator.Pool(Operator.Pool.Kind.MAX, 3, 2, 2, 1, 1, 0, 1, 1, false),
                List.of(x), 1e-6, "max pool asymmetric pad"});
            cases.add(new Object[] {new Operator.Pool(Operator.Pool.Kind.AVG, 3, 3, 2, 2, 1, 1, 1, 1, true),
                List.of(x), 1e-6, "avg pool count-pad"});
            cases.add(new Object[] {new Operator.GlobalAvgPool(), List.of(x), 1e-6, "global avg pool"});
            cases.add(new Object[] {new Operator.Lrn(3, 1e-2, 0.75, 2, true), List.of(x), 1e-5, "lrn"});
            cases.add(new Object[] {new Operator.Relu(), List.of(x), 0.0, "relu"});
            cases.add(new Object[] {new Operator.Tanh(), List.of(x), 1e-6, "tanh"});
            cases.add(new Object[] {new Operator.BiasAdd(), List.of(x, perChannel), 1e-6, "bias add"});
            cases.add(new Object[] {new Operator.Add(true), List.of(x, Tensor.random(4, -2, 2, 2, 3, 5, 4)), 1e-6,
                "add relu"});
            cases.add(new Object[] {new Operator.BatchNorm(1e-5), List.of(x, positive, perChannel,
                Tensor.random(5, -1, 1, 3), positive), 1e-6, "batchnorm"});
            cases.add(new Object[] {new Operator.FullyConnected(true), List.of(x, Tensor.random(6, -1, 1, 5, 60),
                Tensor.random(7, -1, 1, 5)), 1e-5, "fc 60->5 bias relu"});
            cases.add(new Object[] {new Operator.Concat(), List.of(x, Tensor.random(9, -2, 2, 2, 2, 5, 4)), 0.0,
                "concat 3+2 channels"});
            cases.add(new Object[] {new Operator.Softmax(), List.of(Tensor.random(8, -20, 20, 2, 70)), 1e-5,
                "softmax 2x70"});
            for (Operator.Activation.Function f : Operator.Activation.Function.values()) {
                Operator.Activation a = new Operator.Activation(f, f == Operator.Activation.Function.CLIP ? -1 : 0.2,
                        0.5);
                cases.add(new Object[] {a, List.of(x), 1e-6, a.name()});
            }
            for (Operator.Pad.Mode mode : Operator.Pad.Mode.values()) {
                cases.add(new Object[] {new Operator.Pad(mode, 1, 2, 0, 3, 0.5), List.of(x), 0.0, "pad " + mode});
            }
            cases.add(new Object[] {new Operator.AxisSoftmax(1, 1), List.of(x), 1e-5, "softmax over C"});
            cases.add(new Object[] {new Operator.AxisSoftmax(2, 2), List.of(x), 1e-5, "softmax over HxW"});
            for (Object[] c : cases) {
                Operator op = (Operator) c[0];
                @SuppressWarnings("unchecked")
                List<Tensor> inputs = (List<Tensor>) c[1];
                double tolerance = (Double) c[2];
                ConvAlgorithm algorithm = c.length > 4 ? (ConvAlgorithm) c[4] : ConvAlgorithm.AUTO;
                checks++;
                try {
                    OpResult result = aparapi.run(op, inputs, algorithm);
                    Accuracy accuracy = Accuracy.of(result.output(), reference.run(op, inputs).output());
                    String line = c[3] + ": " + accuracy + " on " + result.ranOn();
                    System.out.println(line);
                    if (!(accuracy.relativeL2() <= tolerance) || !result.ranOn().equals("opencl:" + aparapi.device())) {
                        failures.add(line + " (bound " + tolerance + ")");
                    }
                } catch (RuntimeException e) {
                    failures.add(c[3] + ": " + e);
                }
            }
        }
        failures.forEach(f -> System.out.println("FAIL " + f));
        System.out.println(failures.isEmpty() ? "ALL PASSED (" + checks + " checks)" : failures.size() + " FAILED");
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}
