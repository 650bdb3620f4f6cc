package dev.tessera.bench.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.tessera.backend.Tensor;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import dev.tessera.models.Parameter;
import dev.tessera.reports.LayerFootprints;

/**
 * Layer tensor sizes of the model zoo's models, for the report's roofline: a row's model is rebuilt (shapes only, no
 * weights) at the row's input size, and each layer's inputs, output and parameters are counted.
 */
final class ZooFootprints implements LayerFootprints {
    private final Map<String, Map<String, Footprint>> byModel = new HashMap<>();

    @Override
    public Optional<Footprint> find(String model, List<Integer> inputShape, String node) {
        String key = model + inputShape;
        return Optional.ofNullable(byModel.computeIfAbsent(key, k -> footprints(model, inputShape)).get(node));
    }

    private static Map<String, Footprint> footprints(String name, List<Integer> inputShape) {
        if (!ModelZoo.names().contains(name) || inputShape == null || inputShape.size() != 3) {
            return Map.of();
        }
        Model model;
        try {
            model = ModelZoo.acceptsOtherInputSizes(name) ? ModelZoo.build(name, inputShape.get(1))
                    : ModelZoo.build(name);
        } catch (IllegalArgumentException e) {
            return Map.of();
        }
        int[] in = model.inputShape();
        if (in[0] != inputShape.get(0) || in[1] != inputShape.get(1) || in[2] != inputShape.get(2)) {
            return Map.of();
        }
        Map<String, Long> elements = new HashMap<>();
        elements.put(Model.INPUT, Tensor.sizeOf(new int[] {1, in[0], in[1], in[2]}));
        List<int[]> shapes = model.layerShapes(1);
        Map<String, Footprint> result = new HashMap<>();
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            long out = Tensor.sizeOf(shapes.get(i));
            long activations = out;
            for (String input : layer.inputs()) {
                activations += elements.getOrDefault(input, 0L);
            }
            long parameters = layer.parameters().stream().mapToLong(Parameter::size).sum();
            elements.put(layer.name(), out);
            result.put(layer.name(), new Footprint(activations, parameters));
        }
        return result;
    }
}
