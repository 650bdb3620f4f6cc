package dev.tessera.aparapi;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;

/**
 * What the convolution kernels share: the input x (NCHW) and the geometry of the window each output pixel sees
 * (kernel size, stride, top/left padding, dilation, channels per group). Aparapi translates the subclasses' fields and
 * methods together with these; {@link #setWindow} runs on the host only.
 */
abstract class ConvWindowKernel extends IeeeKernel {
    float[] x = new float[1];
    int channels;
    int height;
    int width;
    int kernelH;
    int kernelW;
    int outH;
    int outW;
    int strideH;
    int strideW;
    int padTop;
    int padLeft;
    int dilationH;
    int dilationW;
    int channelsPerGroup;

    /** Sets the input and the window geometry of {@code op} on {@code problem}. */
    void setWindow(float[] input, ConvProblem problem, Operator.Conv2d op) {
        x = input;
        channels = problem.c();
        height = problem.h();
        width = problem.w();
        kernelH = problem.r();
        kernelW = problem.s();
        outH = problem.p();
        outW = problem.q();
        strideH = op.strideH();
        strideW = op.strideW();
        padTop = op.padTop();
        padLeft = op.padLeft();
        dilationH = op.dilationH();
        dilationW = op.dilationW();
        channelsPerGroup = problem.c() / problem.groups();
    }
}
