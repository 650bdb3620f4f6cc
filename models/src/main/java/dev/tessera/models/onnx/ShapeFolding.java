package dev.tessera.models.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import ai.onnx.proto.OnnxMl;

import dev.tessera.backend.Tensor;
import dev.tessera.models.onnx.OnnxImporter.Constant;

/**
 * The shape arithmetic exporters write around a flatten ({@code x.view(x.size(0), -1)} becomes Shape -> Gather ->
 * Unsqueeze -> Concat -> Reshape) and a padding (PyTorch's pads become ConstantOfShape -> Concat -> Reshape -> Slice
 * -> Transpose -> Reshape -> Cast), computed at import: Shape of a computed tensor (its known shape), Gather,
 * Unsqueeze, Squeeze, Cast, Concat, Reshape, Slice and Transpose of constants, and ConstantOfShape. The batch size is not known until a
 * model is compiled, so a Shape writes {@link #BATCH} for it; a Reshape takes that as "keep the batch", and any other
 * use of it is refused.
 */
final class ShapeFolding {
    /** The batch dimension in a folded shape: whatever batch the model runs with. */
    static final long BATCH = Long.MIN_VALUE;

    private ShapeFolding() {
    }

    /** Shape, Gather, Unsqueeze, Squeeze or Cast: the result as a new constant, or an error naming the node. */
    static void fold(OnnxImporter.Reader reader, OnnxMl.NodeProto node, String where) {
        Constant result = switch (node.getOpType()) {
            case "Shape" -> shape(reader, node, where);
            case "Gather" -> gather(reader, node, where);
            case "Unsqueeze" -> unsqueeze(reader, node, where);
            case "Squeeze" -> squeeze(reader, node, where);
            case "Cast" -> cast(reader, node, where);
            case "ConstantOfShape" -> constantOfShape(reader, node, where);
            case "Slice" -> slice(reader, node, where);
            default -> throw new IllegalStateException(node.getOpType());
        };
        reader.constants.put(node.getOutput(0), result);
    }

    private static Constant input(OnnxImporter.Reader reader, OnnxMl.NodeProto node, int k, String where) {
        Constant c = reader.constants.get(node.getInput(k));
        if (c == null) {
            throw new OnnxFormatException(where + ": input " + k + " (" + node.getInput(k) + ") is computed; only"
                    + " constants and known shapes are supported (shape arithmetic folded at import)");
        }
        return c;
    }

    private static Constant shape(OnnxImporter.Reader reader, OnnxMl.NodeProto node, String where) {
        OnnxImporter.Attributes a = new OnnxImporter.Attributes(node, where, "start", "end");
        OnnxImporter.Reader.requireInputs(node, where, 1, 1);
        long[] dims;
        Constant c = reader.constants.get(node.getInput(0));
        if (c != null) {
            dims = Arrays.stream(c.dims()).asLongStream().toArray();
        } else {
            String layer = reader.layerOf.get(node.getInput(0));
            if (layer == null) {
                throw new OnnxFormatException(where + ": reads " + node.getInput(0) + ", which no earlier node writes");
            }
            dims = Arrays.stream(reader.shapes.get(layer)).asLongStream().toArray();
            dims[0] = BATCH;
        }
        int rank = dims.length;
        int start = clampAxis(a.integer("start", 0), rank);
        int end = clampAxis(a.integer("end", rank), rank);
        long[] v = Arrays.copyOfRange(dims, start, Math.max(start, end));
        return new Constant(new int[] {v.length}, null, v);
    }

    private static int clampAxis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        return (int) Math.max(0, Math.min(rank, a));
    }

    private static Constant gather(OnnxImporter.Reader reader, OnnxMl.NodeProto node, String where) {
        OnnxImporter.Attributes a = new OnnxImporter.Attributes(node, where, "axis");
        OnnxImporter.Reader.requireInputs(node, where, 2, 2);
        Constant data = input(reader, node, 0, where);
        Constant indices = input(reader, node, 1, where);
        if (data.dims().length != 1 || a.integer("axis", 0) != 0 || indices.longs() == null) {
            throw new OnnxFormatException(where + ": only gathering INT64 indices from a 1-D constant along axis 0"
                    + " is supported, got data " + Tensor.shapeString(data.dims()) + " axis " + a.integer("axis", 0));
        }
        int n = data.dims()[0];
        long[] idx = indices.longs();
        long[] longs = data.longs() == null ? null : new long[idx.length];
        float[] floats = data.floats() == null ? null : new float[idx.length];
        for (int k = 0; k < idx.length; k++) {
            long i = idx[k] < 0 ? idx[k] + n : idx[k];
            if (i < 0 || i >= n) {
                throw new OnnxFormatException(where + ": index " + idx[k] + " is outside [0, " + n + ")");
            }
            if (longs != null) {
                longs[k] = data.longs()[(int) i];
            } else {
                floats[k] = data.floats()[(int) i];
            }
        }
        return new Constant(indices.dims().clone(), floats, longs);
    }

    /** The axes of Unsqueeze or Squeeze: the attribute before opset 13, the second input from 13 on. */
    private static long[] axes(OnnxImporter.Reader reader, OnnxMl.NodeProto node, String where) {
        OnnxImporter.Attributes a = reader.opset < 13 ? new OnnxImporter.Attributes(node, where, "axes")
                : new OnnxImporter.Attributes(node, where);
        if (reader.opset < 13) {
            return a.has("axes") ? a.get("axes").getIntsList().stream().mapToLong(Long::longValue).toArray() : null;
        }
        if (!OnnxImporter.Reader.hasInput(node, 1)) {
            return null;
        }
        Constant c = input(reader, node, 1, where);
        if (c.longs() == null) {
            throw new OnnxFormatException(where + ": the axes must be INT64");
        }
        return c.longs();
    }

    private static Constant unsqueeze(OnnxImporter.Reader reader, OnnxMl.NodeProto node, String where) {
        Constant data = input(reader, node, 0, where);
        long[] axes = axes(reader, node, where);
        if (axes == null) {
            throw new OnnxFormatException(where + ": the axes are required");
        }
        int rank = data.dims().length + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long axis : axes) {
            int k = (int) (axis < 0 ? axis + rank : axis);
            if (k < 0 || k >= rank || inserted[k]) {
                throw new OnnxFormatException(where + ": axes " + Arrays.toString(axes) + " do not fit rank " + rank);
            }
            inserted[k] = true;
        }
        int[] dims = new int[rank];
        for (int k = 0, from = 0; k < rank; k++) {
            dims[k] = inserted[k] ? 1 : data.dims()[from++];
        }
        return new Constant(dims, data.floats(), data.longs());
    }

    private static Constant squeeze(OnnxImporter.Reader reader, OnnxMl.NodeProto node, String where) {
        Constant data = input(reader, node, 0, where);
        long[] axes = axes(reader, node, where);
        int rank = data.dims().length;
        boolean[] removed = new boolean[rank];
        for (int k = 0; k < rank; k++) {
            removed[k] = axes == null && data.dims()[k] == 1;
        }
        if (axes != null) {
            for (long axis : axes) {
                int k = (int) (axis < 0 ? axis + rank : axis);
                if (k < 0 || k >= rank || data.dims()[k] != 1) {
                    throw new OnnxFormatException(where + ": axis " + axis + " of " + Tensor.shapeString(data.dims())
                            + " is not of size 1");
                }
                removed[k] = true;
            }
        }
        List<Integer> dims = new ArrayList<>();
        for (int k = 0; k < rank; k++) {
            if (!removed[k]) {
                dims.add(data.dims()[k]);
            }
        }
        return new Constant(dims.stream().mapToInt(Integer::intValue).toArray(), data.floats(), data.longs());
    }

    private static Constant cast(OnnxImporter.Reader reader, OnnxMl.NodeProto node, String where) {
        OnnxImporter.Attributes a = new OnnxImporter.Attributes(node, where, "to", "saturate", "round_mode");
        OnnxImporter.Reader.requireInputs(node, where, 1, 1);
        Constant data = input(reader, node, 0, where);
        long to = a.integer("to", 0);
        boolean toFloat = to == OnnxMl.TensorProto.DataType.FLOAT.getNumber();
        boolean toInteger = to == OnnxMl.TensorProto.DataType.INT64.getNumber()
                || to == OnnxMl.TensorProto.DataType.INT32.getNumber();
        if (!toFloat && !toInteger) {
            throw new OnnxFormatException(where + ": a cast to " + OnnxMl.TensorProto.DataType.forNumber((int) to)
                    + " is not supported (FLOAT, INT64, INT32)");
        }
        if (toFloat && data.longs() != null) {
            float[] f = new float[data.longs().length];
            for (int k = 0; k < f.length; k++) {
                if (data.longs()[k] == BATCH) {
                    throw new OnnxFormatException(where + ": the batch size is not known at import; only a reshape"
                            + " may use it");
                }
                f[k] = data.longs()[k];
            }
            return new Constant(data.dims(), f, null);
        }
        if (toInteger && data.floats() != null) {
            long[] l = new long[data.floats().length];
            for (int k = 0; k < l.length; k++) {
                l[k] = (long) data.floats()[k];
            }
            return new Constant(data.dims(), null, l);
        }
        return data;
    }

    /** Concat of 1-D constants of one type. */
    static void concat(OnnxImporter.Reader reader, OnnxMl.NodeProto node, String where) {
        OnnxImporter.Attributes a = new OnnxImporter.Attributes(node, where, "axis");
        List<Constant> parts = new ArrayList<>();
        for (int k = 0; k < node.getInputCount(); k++) {
            parts.add(input(reader, node, k, where));
        }
        boolean longs = parts.get(0).longs() != null;
        long axis = a.integer("axis", 0);
        for (Constant c : parts) {
            if (c.dims().length != 1 || (c.longs() != null) != longs || axis != 0 && axis != -1) {
                throw new OnnxFormatException(where + ": only a concatenation of 1-D constants of one type is"
                        + " supported, got " + Tensor.shapeString(c.dims()) + " along axis " + axis);
            }
        }
        int n = parts.stream().mapToInt(c -> c.dims()[0]).sum();
        long[] l = longs ? new long[n] : null;
        float[] f = longs ? null : new float[n];
        int at = 0;
        for (Constant c : parts) {
            if (longs) {
                System.arraycopy(c.longs(), 0, l, at, c.dims()[0]);
            } else {
                System.arraycopy(c.floats(), 0, f, at, c.dims()[0]);
            }
            at += c.dims()[0];
        }
        reader.constants.put(node.getOutput(0), new Constant(new int[] {n}, f, l));
    }

    /** A constant in a new shape ({@code 0} copies a dimension, one {@code -1} takes the rest). */
    static Constant reshape(Constant c, long[] shape, String where) {
        int[] dims = new int[shape.length];
        long known = 1;
        int infer = -1;
        for (int k = 0; k < shape.length; k++) {
            if (shape[k] == -1 && infer < 0) {
                infer = k;
                continue;
            }
            if (shape[k] == 0 && k < c.dims().length) {
                dims[k] = c.dims()[k];
            } else if (shape[k] > 0) {
                dims[k] = Math.toIntExact(shape[k]);
            } else {
                throw new OnnxFormatException(where + ": shape " + Arrays.toString(shape) + " is not supported for a"
                        + " constant");
            }
            known *= dims[k];
        }
        if (infer >= 0) {
            dims[infer] = known == 0 ? 0 : Math.toIntExact(c.size() / known);
        }
        if (Tensor.sizeOf(dims) != c.size()) {
            throw new OnnxFormatException(where + ": cannot reshape " + Tensor.shapeString(c.dims()) + " to "
                    + Arrays.toString(shape));
        }
        return new Constant(dims, c.floats(), c.longs());
    }

    /** A constant with its axes permuted ({@code perm} null: reversed). */
    static Constant transpose(Constant c, int[] perm, String where) {
        int rank = c.dims().length;
        int[] p = perm;
        if (p == null) {
            p = new int[rank];
            for (int k = 0; k < rank; k++) {
                p[k] = rank - 1 - k;
            }
        }
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int k = 0; k < sorted.length; k++) {
            if (sorted[k] != k || sorted.length != rank) {
                throw new OnnxFormatException(where + ": perm " + Arrays.toString(p) + " is not a permutation of the"
                        + " " + rank + " axes");
            }
        }
        int[] dims = new int[rank];
        for (int k = 0; k < rank; k++) {
            dims[k] = c.dims()[p[k]];
        }
        int[] strides = strides(c.dims());
        int[] order = p;
        return select(c, dims, index -> {
            int in = 0;
            for (int k = 0; k < rank; k++) {
                in += index[k] * strides[order[k]];
            }
            return in;
        });
    }

    /** The row-major strides of {@code dims}. */
    private static int[] strides(int[] dims) {
        int[] strides = new int[dims.length];
        for (int k = dims.length - 1, stride = 1; k >= 0; k--) {
            strides[k] = stride;
            stride *= dims[k];
        }
        return strides;
    }

    /**
     * A constant of {@code dims} whose element at each index vector is {@code c}'s element at the flat index
     * {@code source} gives for it (a transpose, a slice).
     */
    private static Constant select(Constant c, int[] dims, java.util.function.ToIntFunction<int[]> source) {
        int n = Math.toIntExact(Tensor.sizeOf(dims));
        float[] f = c.floats() == null ? null : new float[n];
        long[] l = c.longs() == null ? null : new long[n];
        int[] index = new int[dims.length];
        for (int out = 0; out < n; out++) {
            int in = source.applyAsInt(index);
            if (f != null) {
                f[out] = c.floats()[in];
            } else {
                l[out] = c.longs()[in];
            }
            for (int k = dims.length - 1; k >= 0 && ++index[k] == dims[k]; k--) {
                index[k] = 0;
            }
        }
        return new Constant(dims, f, l);
    }

    /** ConstantOfShape: a constant of the shape its constant input gives, filled with {@code value} (default 0f). */
    private static Constant constantOfShape(OnnxImporter.Reader reader, OnnxMl.NodeProto node, String where) {
        OnnxImporter.Attributes a = new OnnxImporter.Attributes(node, where, "value");
        OnnxImporter.Reader.requireInputs(node, where, 1, 1);
        Constant shape = input(reader, node, 0, where);
        if (shape.longs() == null || shape.dims().length != 1) {
            throw new OnnxFormatException(where + ": the shape must be a 1-D INT64 constant");
        }
        int[] dims = new int[shape.longs().length];
        for (int k = 0; k < dims.length; k++) {
            if (shape.longs()[k] < 0 || shape.longs()[k] == BATCH) {
                throw new OnnxFormatException(where + ": shape " + java.util.Arrays.toString(shape.longs())
                        + " is not a known, non-negative shape");
            }
            dims[k] = Math.toIntExact(shape.longs()[k]);
        }
        int n = Math.toIntExact(Tensor.sizeOf(dims));
        Constant value = a.has("value") ? reader.constant(a.get("value").getT(), where)
                : new Constant(new int[0], new float[] {0f}, null);
        if (value.size() != 1) {
            throw new OnnxFormatException(where + ": value must hold one element");
        }
        if (value.longs() != null) {
            long[] l = new long[n];
            Arrays.fill(l, value.longs()[0]);
            return new Constant(dims, null, l);
        }
        float[] f = new float[n];
        Arrays.fill(f, value.floats()[0]);
        return new Constant(dims, f, null);
    }

    /**
     * Slice of a constant: starts, ends, axes and steps as inputs (opset 10 on) or attributes (before, step 1), with
     * ONNX's clamping, negative indices from the end and negative steps (a reversal).
     */
    private static Constant slice(OnnxImporter.Reader reader, OnnxMl.NodeProto node, String where) {
        Constant data = input(reader, node, 0, where);
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (reader.opset < 10) {
            OnnxImporter.Attributes a = new OnnxImporter.Attributes(node, where, "starts", "ends", "axes");
            starts = longs(a, "starts", where);
            ends = longs(a, "ends", where);
            axes = a.has("axes") ? longs(a, "axes", where) : null;
            steps = null;
        } else {
            new OnnxImporter.Attributes(node, where);
            OnnxImporter.Reader.requireInputs(node, where, 3, 5);
            starts = integers(reader, node, 1, where);
            ends = integers(reader, node, 2, where);
            axes = OnnxImporter.Reader.hasInput(node, 3) ? integers(reader, node, 3, where) : null;
            steps = OnnxImporter.Reader.hasInput(node, 4) ? integers(reader, node, 4, where) : null;
        }
        int rank = data.dims().length;
        int[] begin = new int[rank];
        int[] step = new int[rank];
        int[] dims = data.dims().clone();
        Arrays.fill(step, 1);
        if (ends.length != starts.length || axes != null && axes.length != starts.length
                || steps != null && steps.length != starts.length) {
            throw new OnnxFormatException(where + ": starts, ends, axes and steps must have one entry per axis");
        }
        for (int k = 0; k < starts.length; k++) {
            int axis = (int) (axes == null ? k : axes[k] < 0 ? axes[k] + rank : axes[k]);
            if (axis < 0 || axis >= rank) {
                throw new OnnxFormatException(where + ": axis " + (axes == null ? k : axes[k]) + " of a rank-" + rank
                        + " constant");
            }
            long dim = data.dims()[axis];
            long st = steps == null ? 1 : steps[k];
            if (st == 0) {
                throw new OnnxFormatException(where + ": a step of 0");
            }
            long s0 = starts[k] < 0 ? starts[k] + dim : starts[k];
            long e0 = ends[k] < 0 ? ends[k] + dim : ends[k];
            if (st > 0) {
                s0 = Math.max(0, Math.min(dim, s0));
                e0 = Math.max(0, Math.min(dim, e0));
            } else {
                s0 = Math.max(-1, Math.min(dim - 1, s0));
                e0 = Math.max(-1, Math.min(dim - 1, e0));
            }
            long count = st > 0 ? Math.max(0, (e0 - s0 + st - 1) / st) : Math.max(0, (s0 - e0 - st - 1) / -st);
            begin[axis] = (int) s0;
            step[axis] = (int) st;
            dims[axis] = (int) count;
        }
        int[] strides = strides(data.dims());
        return select(data, dims, index -> {
            int in = 0;
            for (int k = 0; k < rank; k++) {
                in += (begin[k] + index[k] * step[k]) * strides[k];
            }
            return in;
        });
    }

    private static long[] longs(OnnxImporter.Attributes a, String name, String where) {
        if (!a.has(name)) {
            throw new OnnxFormatException(where + ": the " + name + " attribute is required");
        }
        return a.get(name).getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static long[] integers(OnnxImporter.Reader reader, OnnxMl.NodeProto node, int k, String where) {
        Constant c = input(reader, node, k, where);
        if (c.longs() == null) {
            throw new OnnxFormatException(where + ": input " + k + " must be INT64 or INT32");
        }
        return c.longs();
    }
}
