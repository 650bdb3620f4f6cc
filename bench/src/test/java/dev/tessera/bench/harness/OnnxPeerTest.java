package dev.tessera.bench.harness;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import dev.tessera.peers.OnnxRuntimePeer;

/** The ONNX Runtime peer runs the exported model like the reference, at any batch size. */
class OnnxPeerTest {
    @Test
    void exportedModelOnOnnxRuntimeMatchesTheReference() {
        for (String name : new String[] {"lenet5", "resnet18"}) {
            Model model = (name.equals("lenet5") ? ModelZoo.build(name) : ModelZoo.build(name, 32)).initialise(5);
            try (OnnxRuntimePeer peer = new OnnxRuntimePeer(OnnxExport.toBytes(model))) {
                for (int batch : new int[] {1, 3}) {
                    Tensor x = BenchInputs.timing(model, batch, 11);
                    Tensor expected = model.forward(new ReferenceBackend(), x);
                    Tensor actual = peer.run(x);
                    assertArrayEquals(expected.shape(), actual.shape(), name);
                    Accuracy a = Accuracy.of(actual, expected);
                    assertTrue(a.relativeL2() < 1e-5, name + " batch " + batch + ": " + a);
                }
                assertFalse(peer.version().isBlank());
            }
        }
    }

    @Test
    void aModelOnnxRuntimeRejectsIsOneLine() {
        var e = assertThrows(IllegalArgumentException.class, () -> new OnnxRuntimePeer(new byte[] {1, 2, 3}));
        assertTrue(e.getMessage().startsWith("ONNX Runtime rejected the model"), e.getMessage());
    }
}
