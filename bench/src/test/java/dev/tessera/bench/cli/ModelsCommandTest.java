package dev.tessera.bench.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tessera.models.ModelZoo;

/** {@code tessera models}: needs no OpenCL device. */
class ModelsCommandTest {
    /** torchvision's published parameter counts (and LeNet-5's by hand). */
    private static final Map<String, Long> PARAMETERS = Map.ofEntries(Map.entry("resnet18", 11_689_512L),
            Map.entry("resnet34", 21_797_672L), Map.entry("resnet50", 25_557_032L),
            Map.entry("resnet101", 44_549_160L), Map.entry("resnet152", 60_192_808L),
            Map.entry("vgg11", 132_863_336L), Map.entry("vgg13", 133_047_848L), Map.entry("vgg16", 138_357_544L),
            Map.entry("vgg19", 143_667_240L), Map.entry("alexnet-tv", 61_100_840L), Map.entry("lenet5", 61_706L));

    /** Published multiply-accumulates per 224x224 image (LeNet-5: 416,520 by hand). */
    private static final Map<String, Double> MACS = Map.of("resnet18", 1.82e9, "resnet50", 4.11e9, "vgg16", 15.47e9,
            "alexnet-tv", 0.71e9, "lenet5", 416_520.0);

    @Test
    void jsonListsEveryModelWithItsCounts() throws Exception {
        CliTest.Run run = CliTest.run("models", "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode models = Json.MAPPER.readTree(run.out());
        assertTrue(models.isArray());
        Map<String, JsonNode> byName = new HashMap<>();
        models.forEach(m -> byName.put(m.get("name").asText(), m));
        assertEquals(ModelZoo.names().size(), models.size());
        assertEquals(ModelZoo.names(), ModelZoo.names().stream().filter(byName::containsKey).toList());
        PARAMETERS.forEach((name, count) -> assertEquals(count, byName.get(name).get("parameters").asLong(), name));
        MACS.forEach((name, macs) -> assertEquals(macs, byName.get(name).get("macs").asDouble(), 0.02 * macs, name));
        for (JsonNode m : models) {
            assertEquals(2 * m.get("macs").asLong(), m.get("flops").asLong());
            assertTrue(m.get("layers").asInt() > 0);
        }
        JsonNode resnet = byName.get("resnet50");
        assertEquals(3, resnet.get("input_shape").get(0).asInt());
        assertEquals(224, resnet.get("input_size").asInt());
        assertEquals(227, byName.get("alexnet").get("input_size").asInt());
    }

    @Test
    void inputSizeAppliesWhereTheArchitectureAllowsIt() throws Exception {
        CliTest.Run run = CliTest.run("models", "--json", "--input-size", "32");
        assertEquals(0, run.code(), run.err());
        Map<String, JsonNode> byName = new HashMap<>();
        Json.MAPPER.readTree(run.out()).forEach(m -> byName.put(m.get("name").asText(), m));
        assertEquals(32, byName.get("resnet18").get("input_size").asInt());
        assertEquals(11_689_512L, byName.get("resnet18").get("parameters").asLong());
        assertEquals(32, byName.get("vgg16").get("input_size").asInt());
        assertEquals(28, byName.get("lenet5").get("input_size").asInt());
        assertEquals(224, byName.get("alexnet-tv").get("input_size").asInt());

        CliTest.Run refused = CliTest.run("models", "alexnet", "--input-size", "32");
        assertEquals(1, refused.code());
        assertTrue(refused.err().startsWith("tessera: alexnet takes only 227x227 input"), refused.err());
        CliTest.Run unknown = CliTest.run("models", "resnet9");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("unknown model 'resnet9'"), unknown.err());
    }

    @Test
    void tableNamesEachModelAndSaysWhatFlopsAre() {
        CliTest.Run run = CliTest.run("models");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().startsWith("model"), run.out());
        assertTrue(run.out().contains("resnet152"));
        assertTrue(run.out().contains("138,357,544"));
        assertTrue(run.out().contains("FLOPs = 2 x MACs"));
        CliTest.Run help = CliTest.run("models", "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().replaceAll("\\s+", " ").contains("FLOPs = 2 x MACs"), help.out());
        assertTrue(help.out().contains("--input-size"), help.out());
    }
}
