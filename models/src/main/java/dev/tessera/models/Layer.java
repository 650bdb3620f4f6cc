package dev.tessera.models;

import java.util.List;

import dev.tessera.backend.Operator;

/**
 * One node of a model: an operator applied to the outputs of earlier layers (or the model input, named
 * {@link Model#INPUT}) followed by its parameters. {@link Model#forward} passes {@code inputs} first, then the
 * parameter values in order, which is each operator's input contract: conv2d (x, weight[, bias]),
 * fc (x, weight[, bias]), batchnorm (x, gamma, beta, mean, var), add (a, b).
 *
 * @param name       unique within the model
 * @param op         the operator
 * @param inputs     names of the layers (or {@link Model#INPUT}) whose outputs it reads
 * @param parameters its parameter tensors, in the operator's input order
 */
public record Layer(String name, Operator op, List<String> inputs, List<Parameter> parameters) {
    public Layer {
        inputs = List.copyOf(inputs);
        parameters = List.copyOf(parameters);
    }

    /** Trainable parameters of this layer (see {@link Parameter#count()}). */
    public long parameterCount() {
        return parameters.stream().mapToLong(Parameter::count).sum();
    }

    /** The parameter called {@code name}, or null. */
    public Parameter parameter(String name) {
        return parameters.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
    }

    Layer withParameters(List<Parameter> ps) {
        return new Layer(name, op, inputs, ps);
    }
}
