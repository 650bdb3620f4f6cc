package dev.tessera.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@code out = floor((in + padBegin + padEnd - dilation*(k-1) - 1) / stride) + 1} on the networks' own layers. */
class WindowGeometryTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // case,                          in, k, padBegin, padEnd, stride, dilation, out
            "AlexNet conv1 11/4,             227, 11, 0, 0, 4, 1, 55",
            "AlexNet pool1 3/2,               55,  3, 0, 0, 2, 1, 27",
            "AlexNet pool2 3/2,               27,  3, 0, 0, 2, 1, 13",
            "AlexNet pool5 3/2,               13,  3, 0, 0, 2, 1,  6",
            "AlexNet conv2 5 pad 2,           27,  5, 2, 2, 1, 1, 27",
            "torchvision AlexNet conv1,      224, 11, 2, 2, 4, 1, 55",
            "ResNet stem 7/2 pad 3,          224,  7, 3, 3, 2, 1, 112",
            "ResNet stem max-pool 3/2 pad 1, 112,  3, 1, 1, 2, 1, 56",
            "ResNet stage 2 3x3/2 pad 1,      56,  3, 1, 1, 2, 1, 28",
            "ResNet projection 1x1/2,         56,  1, 0, 0, 2, 1, 28",
            "VGG 3x3 pad 1,                  224,  3, 1, 1, 1, 1, 224",
            "VGG pool 2/2,                   224,  2, 0, 0, 2, 1, 112",
            "LeNet conv1 5 pad 2,             28,  5, 2, 2, 1, 1, 28",
            "LeNet conv2 5,                   14,  5, 0, 0, 1, 1, 10",
            "floor drops the last column,      6,  3, 0, 0, 2, 1,  2",
            "dilation 2,                       7,  3, 0, 0, 1, 2,  3",
            "asymmetric padding,               4,  3, 1, 0, 1, 1,  3",
            "window equals padded input,       3,  5, 1, 1, 1, 1,  1",
    })
    void outputSize(String name, int in, int k, int padBegin, int padEnd, int stride, int dilation, int out) {
        assertEquals(out, WindowGeometry.outputSize("height", in, k, padBegin, padEnd, stride, dilation), name);
    }

    @Test
    void windowLargerThanThePaddedInputIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WindowGeometry.outputSize("height", 2, 3, 0, 0, 1, 1));
        assertEquals("height: window of 3 is larger than the padded input of 2", e.getMessage());
        // the dilated span counts: 3 taps at dilation 2 span 5 > 4
        assertThrows(IllegalArgumentException.class, () -> WindowGeometry.outputSize("width", 4, 3, 0, 0, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> WindowGeometry.outputSize("width", 4, 3, 0, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> WindowGeometry.outputSize("width", 4, 3, -1, 0, 1, 1));
    }

    @Test
    void operatorsUseTheFormula() {
        // ResNet stem: [1, 3, 224, 224] * [64, 3, 7, 7], stride 2 pad 3 -> [1, 64, 112, 112], then max-pool -> 56
        int[] stem = Operator.Conv2d.of(2, 3).outputShape(List.of(new int[] {1, 3, 224, 224}, new int[] {64, 3, 7, 7}));
        assertArrayEquals(new int[] {1, 64, 112, 112}, stem);
        int[] pooled = Operator.Pool.of(Operator.Pool.Kind.MAX, 3, 2, 1).outputShape(List.of(stem));
        assertArrayEquals(new int[] {1, 64, 56, 56}, pooled);
        // AlexNet conv1 and its pool: 227 -> 55 -> 27
        int[] conv1 = Operator.Conv2d.of(4, 0).outputShape(List.of(new int[] {1, 3, 227, 227},
                new int[] {96, 3, 11, 11}));
        assertArrayEquals(new int[] {1, 96, 55, 55}, conv1);
        assertArrayEquals(new int[] {1, 96, 27, 27},
                Operator.Pool.of(Operator.Pool.Kind.MAX, 3, 2, 0).outputShape(List.of(conv1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Operator.Conv2d.of(1, 0).outputShape(List.of(new int[] {1, 1, 2, 2}, new int[] {1, 1, 3, 3})));
        assertTrue(e.getMessage().startsWith("conv2d height: window of 3"), e.getMessage());
    }
}
