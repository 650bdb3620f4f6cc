package dev.tessera.backend.opencl;

import java.util.ArrayList;
import java.util.List;

import dev.tessera.backend.Backend;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.Launch;
import dev.tessera.backend.opencl.common.ProgramLibrary;
import dev.tessera.backend.training.LossResult;
import dev.tessera.backend.training.SgdSettings;
import dev.tessera.backend.training.TrainingBackend;
import dev.tessera.backend.training.TrainingShapes;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ProgramCache;

/**
 * Training on an OpenCL device: forward passes through an {@link OpenClBackend}, the backward operators through the
 * kernels conv_backward.cl, pool_backward.cl, fc_backward.cl, eltwise_backward.cl (ReLU, tanh, bias), loss.cl
 * (softmax cross-entropy) and sgd.cl (the momentum update). Each call uploads its host tensors, runs its kernel and
 * reads the result back, as {@link OpenClBackend#run} does; the results match {@code ReferenceTrainingBackend}'s
 * within float32 rounding (checked by the property tests and the Oclgrind suite).
 *
 * <p>Not thread-safe. Close it to release the forward backend and the programs.
 */
public final class OpenClTrainingBackend implements TrainingBackend {
    private final OpenClBackend forward;
    private final ProgramLibrary library;

    private OpenClTrainingBackend(OpenClBackend forward) {
        this.forward = forward;
        this.library = new ProgramLibrary(forward.context());
    }

    /** Training on {@code device} with the default program cache and tuning database. */
    public static OpenClTrainingBackend open(ClDevice device) {
        return new OpenClTrainingBackend(OpenClBackend.open(device));
    }

    /** Training with an explicit program cache and tuning directory (null: keep AUTO's choices in memory only). */
    public static OpenClTrainingBackend open(ClDevice device, ProgramCache cache, java.nio.file.Path tuningDir) {
        return new OpenClTrainingBackend(OpenClBackend.open(device, cache, tuningDir));
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String device() {
        return forward.device();
    }

    @Override
    public Backend forward() {
        return forward;
    }

    /**
     * Uploads {@code inputs}, runs {@code kernelName} of {@code file} over {@code items} work-items with the input
     * buffers as arguments 0.., the output as the next, then the scalars {@code scalars} sets from the index it is
     * given; returns the output read back.
     */
    private Tensor launch(String file, String kernelName, int[] outShape, long items, List<Tensor> inputs,
            ScalarArgs scalars) {
        return launch(file, "", kernelName, outShape, items, inputs, scalars);
    }

    /** {@link #launch(String, String, int[], long, List, ScalarArgs)} with build options. */
    private Tensor launch(String file, String options, String kernelName, int[] outShape, long items,
            List<Tensor> inputs, ScalarArgs scalars) {
        ClContext context = forward.context();
        List<ClBuffer> buffers = new ArrayList<>();
        try {
            for (Tensor t : inputs) {
                buffers.add(context.buffer(t.data()));
            }
            Tensor output = Tensor.zeros(outShape);
            try (ClBuffer out = context.buffer(4L * output.size());
                    ClKernel k = library.kernel(file, options, kernelName)) {
                for (int i = 0; i < buffers.size(); i++) {
                    k.arg(i, buffers.get(i));
                }
                k.arg(buffers.size(), out);
                scalars.set(k, buffers.size() + 1);
                Launch.elementwise(k, items);
                out.read(output.data());
            }
            return output;
        } finally {
            buffers.forEach(ClBuffer::close);
        }
    }

    /** Sets a kernel's scalar arguments from index {@code first} on. */
    private interface ScalarArgs {
        void set(ClKernel kernel, int first);
    }

    /** Scalar int arguments in order. */
    private static ScalarArgs ints(int... values) {
        return (k, first) -> {
            for (int i = 0; i < values.length; i++) {
                k.arg(first + i, values[i]);
            }
        };
    }

    @Override
    public Tensor convBackwardData(Operator.Conv2d op, Tensor dy, Tensor weight, int[] inputShape) {
        ConvProblem pr = problem(op, inputShape, weight.shape(), dy);
        int total = (int) Tensor.sizeOf(inputShape);
        return launch("conv_backward.cl", "conv_backward_data", inputShape, total, List.of(dy, weight),
                ints(pr.c(), pr.h(), pr.w(), pr.k(), pr.r(), pr.s(), pr.p(), pr.q(), op.strideH(), op.strideW(),
                        op.padTop(), op.padLeft(), op.dilationH(), op.dilationW(), op.groups(), total));
    }

    @Override
    public Tensor convBackwardWeight(Operator.Conv2d op, Tensor x, Tensor dy, int[] weightShape) {
        ConvProblem pr = problem(op, x.shape(), weightShape, dy);
        int total = (int) Tensor.sizeOf(weightShape);
        return launch("conv_backward.cl", "conv_backward_weight", weightShape, total, List.of(x, dy),
                ints(pr.n(), pr.c(), pr.h(), pr.w(), pr.k(), pr.r(), pr.s(), pr.p(), pr.q(), op.strideH(),
                        op.strideW(), op.padTop(), op.padLeft(), op.dilationH(), op.dilationW(), op.groups(), total));
    }

    private static ConvProblem problem(Operator.Conv2d op, int[] inputShape, int[] weightShape, Tensor dy) {
        ConvProblem pr = ConvProblem.of(op, List.of(inputShape, weightShape));
        TrainingShapes.requireShape("conv2d gradient dy", dy, pr.outputShape());
        return pr;
    }

    @Override
    public Tensor biasBackward(Tensor dy) {
        if (dy.rank() < 2) {
            throw new IllegalArgumentException("bias gradient: dy must be [N, C, ...], got " + dy.shapeString());
        }
        int n = dy.dim(0);
        int channels = dy.dim(1);
        return launch("eltwise_backward.cl", "bias_backward", new int[] {channels}, channels, List.of(dy),
                ints(n, channels, dy.size() / (n * channels)));
    }

    @Override
    public Tensor poolBackward(Operator.Pool op, Tensor x, Tensor dy) {
        int[] o = op.outputShape(List.of(x.shape()));
        TrainingShapes.requireShape(op.name() + " gradient dy", dy, o);
        int total = x.size();
        boolean max = op.kind() == Operator.Pool.Kind.MAX;
        return launch("pool_backward.cl", "-DPOOL_MAX=" + (max ? 1 : 0), "pool_backward", x.shape(), total,
                List.of(x, dy), ints(x.dim(2), x.dim(3), o[2], o[3], op.kernelH(), op.kernelW(), op.strideH(),
                        op.strideW(), op.padTop(), op.padLeft(), op.padBottom(), op.padRight(), op.countPad() ? 1 : 0,
                        total));
    }

    @Override
    public Tensor reluBackward(Tensor y, Tensor dy) {
        return activationBackward("relu_backward", y, dy);
    }

    @Override
    public Tensor tanhBackward(Tensor y, Tensor dy) {
        return activationBackward("tanh_backward", y, dy);
    }

    private Tensor activationBackward(String kernelName, Tensor y, Tensor dy) {
        TrainingShapes.requireShape(kernelName + " dy", dy, y.shape());
        return launch("eltwise_backward.cl", kernelName, y.shape(), y.size(), List.of(y, dy), ints(y.size()));
    }

    @Override
    public Tensor fcBackwardData(Tensor dy, Tensor weight, int[] inputShape) {
        int n = inputShape[0];
        TrainingShapes.requireFc(dy, weight, Tensor.sizeOf(inputShape) / n, n);
        int total = (int) Tensor.sizeOf(inputShape);
        return launch("fc_backward.cl", "fc_backward_data", inputShape, total, List.of(dy, weight),
                ints(weight.dim(0), weight.dim(1), total));
    }

    @Override
    public Tensor fcBackwardWeight(Tensor x, Tensor dy) {
        int n = x.dim(0);
        int features = x.size() / n;
        if (dy.rank() != 2 || dy.dim(0) != n) {
            throw new IllegalArgumentException("fc gradient: dy " + dy.shapeString() + " must be [" + n + ", out]");
        }
        int outputs = dy.dim(1);
        int total = outputs * features;
        return launch("fc_backward.cl", "fc_backward_weight", new int[] {outputs, features}, total, List.of(x, dy),
                ints(n, outputs, features, total));
    }

    @Override
    public LossResult softmaxCrossEntropy(Tensor logits, int[] labels) {
        int rows = TrainingShapes.checkLogits(logits, labels);
        int classes = logits.dim(1);
        float[] labelValues = new float[rows];
        for (int i = 0; i < rows; i++) {
            labelValues[i] = labels[i];
        }
        ClContext context = forward.context();
        Tensor gradient = Tensor.zeros(logits.shape());
        float[] losses = new float[rows];
        float[] correct = new float[rows];
        try (ClBuffer z = context.buffer(logits.data()); ClBuffer l = context.buffer(labelValues);
                ClBuffer grad = context.buffer(4L * gradient.size()); ClBuffer loss = context.buffer(4L * rows);
                ClBuffer hits = context.buffer(4L * rows);
                ClKernel k = library.kernel("loss.cl", "", "softmax_cross_entropy")) {
            k.arg(0, z).arg(1, l).arg(2, grad).arg(3, loss).arg(4, hits).arg(5, classes).arg(6, rows);
            Launch.elementwise(k, rows);
            grad.read(gradient.data());
            loss.read(losses);
            hits.read(correct);
        }
        double total = 0;
        int right = 0;
        for (int i = 0; i < rows; i++) {
            total += losses[i];
            right += correct[i] != 0f ? 1 : 0;
        }
        return new LossResult(total / rows, gradient, right);
    }

    @Override
    public void sgdStep(Tensor weight, Tensor velocity, Tensor gradient, Tensor mask, SgdSettings settings) {
        TrainingShapes.checkSgd(weight, velocity, gradient, mask);
        ClContext context = forward.context();
        boolean masked = mask != null;
        try (ClBuffer w = context.buffer(weight.data()); ClBuffer v = context.buffer(velocity.data());
                ClBuffer g = context.buffer(gradient.data());
                ClBuffer m = masked ? context.buffer(mask.data()) : context.buffer(4);
                ClKernel k = library.kernel("sgd.cl", "-DHAS_MASK=" + (masked ? 1 : 0), "sgd_momentum")) {
            k.arg(0, w).arg(1, v).arg(2, g).arg(3, m).arg(4, (float) settings.learningRate())
                    .arg(5, (float) settings.momentum()).arg(6, (float) settings.weightDecay()).arg(7, weight.size());
            Launch.elementwise(k, weight.size());
            w.read(weight.data());
            v.read(velocity.data());
        }
    }

    @Override
    public void close() {
        library.close();
        forward.close();
    }
}
