package dev.tessera.peers;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.FaultInjection;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.OpenClException;
import dev.tessera.opencl.ProgramCache;

/** The peer must compute the same convolution as the reference, or comparing speeds with it means nothing. */
class ClBlastIm2colConvTest {
    @Test
    void peerMatchesTheReference() {
        Operator.Conv2d conv = new Operator.Conv2d(2, 1, 1, 2, 0, 1, 1, 2, 1, false);
        Tensor x = Tensor.random(1, -1, 1, 1, 5, 11, 9);
        Tensor w = Tensor.random(2, -1, 1, 7, 5, 3, 3);
        ConvProblem problem = ConvProblem.of(conv, List.of(x.shape(), w.shape()));
        Tensor expected = new ReferenceBackend().apply(conv, x, w);
        try (ClContext context = ClContext.open(DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE"),
                ProgramCache.defaultCache());
                ClBlastIm2colConv peer = new ClBlastIm2colConv(context, problem, w);
                ClBuffer in = context.buffer(x.data());
                ClBuffer out = context.buffer(4L * expected.size())) {
            double deviceMs = peer.run(in, out);
            assertTrue(deviceMs > 0 && deviceMs < 10_000, "device time " + deviceMs);
            float[] actual = out.readFloats();
            for (int i = 0; i < actual.length; i++) {
                assertEquals(expected.data()[i], actual[i], 1e-4, "element " + i);
            }
        }
    }

    /** Leaks on failure: whichever call of the constructor fails, what it created before is released. */
    @Test
    void aConstructorThatFailsHalfWayReleasesWhatItCreated() {
        Operator.Conv2d conv = Operator.Conv2d.of(1, 1);
        Tensor w = Tensor.random(2, -1, 1, 4, 3, 3, 3);
        ConvProblem problem = ConvProblem.of(conv, List.of(new int[] {1, 3, 8, 8}, w.shape()));
        try (ClContext context = ClContext.open(DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE"),
                ProgramCache.defaultCache())) {
            String before = LiveResources.summary();
            record Fault(FaultInjection.Point point, int nth) {
            }
            for (Fault f : List.of(new Fault(FaultInjection.Point.BUILD, 1), new Fault(FaultInjection.Point.KERNEL, 1),
                    new Fault(FaultInjection.Point.BUFFER, 1), new Fault(FaultInjection.Point.BUFFER, 2),
                    new Fault(FaultInjection.Point.ARG, 1), new Fault(FaultInjection.Point.ARG, 14))) {
                try (FaultInjection.Armed fault = FaultInjection.arm(f.point(), org.jocl.CL.CL_OUT_OF_RESOURCES, "",
                        f.nth(), false)) {
                    OpenClException e = assertThrows(OpenClException.class,
                            () -> new ClBlastIm2colConv(context, problem, w).close(), f.toString());
                    assertEquals(org.jocl.CL.CL_OUT_OF_RESOURCES, e.status());
                    assertEquals(1, fault.fired());
                }
                assertEquals(before, LiveResources.summary(), f + " leaked");
            }
        }
    }
}
