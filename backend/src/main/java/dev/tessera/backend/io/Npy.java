package dev.tessera.backend.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import dev.tessera.backend.CheckedSizes;
import dev.tessera.backend.HeapBudget;
import dev.tessera.backend.Tensor;
import dev.tessera.opencl.AtomicFiles;

/**
 * NumPy {@code .npy} files holding little-endian float32 ({@code '<f4'}) arrays in C order, as {@link Tensor}s.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0 (3.0 differs only in encoding the header as UTF-8) and rejects
 * anything it cannot represent exactly with an {@link IllegalArgumentException} whose one-line message names the file:
 * a missing file, bad magic, an unknown version, a malformed header, another dtype (named, e.g. {@code '<f8'}),
 * {@code fortran_order: True}, a shape with a zero dimension, and data shorter (truncated) or longer than the shape
 * says. A 0-d array reads as shape [1]. Other I/O failures throw {@link UncheckedIOException}.
 *
 * <p>Writing produces format 1.0 byte for byte as {@code numpy.save} does (header keys sorted, numpy's spare space
 * for growing the first axis, padded with spaces to a multiple of 64 bytes and ended by a newline). It is atomic: the
 * bytes go to a temporary file in the target's directory, which is then moved into place, so readers never see a
 * partial file and a failure leaves none behind.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final String DTYPE = "<f4";
    /** numpy aligns the data to this many bytes from the start of the file. */
    private static final int ALIGN = 64;
    /** numpy leaves room in the header for the first axis to grow to this many digits. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    /** The largest header read; a float32 header is about a hundred bytes. */
    private static final long MAX_HEADER_BYTES = 1 << 20;
    /** The most bytes read from a pipe or other file that is not a regular file: one Java array. */
    private static final int MAX_PIPE_BYTES = Integer.MAX_VALUE - 8;
    private static final String BAD_MAGIC = "not an npy file (bad magic: it does not start with \\x93NUMPY)";
    /** Floats moved per chunk between a channel and an array. */
    private static final int CHUNK_FLOATS = 1 << 16;

    private Npy() {
    }

    // ------------------------------------------------------------------------------------------------- reading

    /**
     * Reads a {@code '<f4'} C-order array. A file that is not a regular file (a pipe such as {@code /dev/stdin}, a
     * FIFO) is read to its end first, since it has no size to check the header against.
     */
    public static Tensor read(Path file) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("npy file " + file + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("npy file " + file + " is a directory");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("npy file " + file + " is not readable (permission denied)");
        }
        if (!Files.isRegularFile(file)) {
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                // the magic first, so that a device such as /dev/zero is refused at once, not after gigabytes
                byte[] magic = in.readNBytes(MAGIC.length);
                if (!Arrays.equals(magic, MAGIC)) {
                    throw bad(file, BAD_MAGIC);
                }
                byte[] rest = in.readNBytes(MAX_PIPE_BYTES - MAGIC.length);
                if (in.read() >= 0) {
                    throw bad(file, "not a regular file, and longer than " + MAX_PIPE_BYTES + " bytes, the most read "
                            + "from a pipe (save it to a file)");
                }
                bytes = new byte[MAGIC.length + rest.length];
                System.arraycopy(magic, 0, bytes, 0, MAGIC.length);
                System.arraycopy(rest, 0, bytes, MAGIC.length, rest.length);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read npy file " + file + " (not a regular file): "
                        + e.getMessage(), e);
            } catch (OutOfMemoryError e) {
                throw new IllegalArgumentException("npy file " + file + " (not a regular file) is larger than the "
                        + "Java heap can hold");
            }
            return read(file, Channels.newChannel(new ByteArrayInputStream(bytes)), bytes.length);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, channel, channel.size());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read npy file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads the array from {@code channel}, which holds exactly {@code fileSize} bytes. */
    private static Tensor read(Path file, ReadableByteChannel channel, long fileSize) {
        try {
            ByteBuffer prefix = readFully(channel, (int) Math.min(fileSize, MAGIC.length + 2));
            for (int i = 0; i < MAGIC.length; i++) {
                if (prefix.limit() <= i || prefix.get(i) != MAGIC[i]) {
                    throw bad(file, BAD_MAGIC);
                }
            }
            if (prefix.limit() < MAGIC.length + 2) {
                throw bad(file, "truncated: the file ends inside the format version");
            }
            int major = prefix.get(MAGIC.length) & 0xff;
            int minor = prefix.get(MAGIC.length + 1) & 0xff;
            if (major < 1 || major > 3) {
                throw bad(file, "unsupported npy format version " + major + "." + minor + " (reads 1.0, 2.0 and 3.0)");
            }
            int lengthBytes = major == 1 ? 2 : 4;
            long headerStart = MAGIC.length + 2 + lengthBytes;
            if (fileSize < headerStart) {
                throw bad(file, "truncated: the file ends inside the header length");
            }
            ByteBuffer lengthField = readFully(channel, lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
            long headerLength = major == 1 ? lengthField.getShort() & 0xffff : lengthField.getInt() & 0xffffffffL;
            if (headerLength > MAX_HEADER_BYTES) {
                throw bad(file, "header length " + headerLength + " is implausibly large (more than "
                        + MAX_HEADER_BYTES + " bytes)");
            }
            if (headerStart + headerLength > fileSize) {
                throw bad(file, "truncated: the header of " + headerLength + " bytes runs past the end of the file");
            }
            byte[] headerBytes = readFully(channel, (int) headerLength).array();
            String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            int[] shape = parseHeader(file, header);
            long dataBytes = Tensor.sizeOf(shape) * Float.BYTES;
            long available = fileSize - headerStart - headerLength;
            if (available < dataBytes) {
                throw bad(file, "truncated: shape " + Tensor.shapeString(shape) + " needs " + dataBytes
                        + " bytes of data, the file has " + available);
            }
            if (available > dataBytes) {
                throw bad(file, (available - dataBytes) + " unexpected bytes after the " + dataBytes
                        + " bytes of data of shape " + Tensor.shapeString(shape));
            }
            HeapBudget.require("npy file " + file + " of shape " + Tensor.shapeString(shape), dataBytes);
            Tensor tensor = Tensor.zeros(shape);
            readFloats(channel, tensor.data());
            return tensor;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read npy file " + file + ": " + e.getMessage(), e);
        }
    }

    private static ByteBuffer readFully(ReadableByteChannel channel, int bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(bytes);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return buffer.flip();
    }

    private static void readFloats(ReadableByteChannel channel, float[] data) throws IOException {
        for (int offset = 0; offset < data.length; offset += CHUNK_FLOATS) {
            int count = Math.min(CHUNK_FLOATS, data.length - offset);
            readFully(channel, count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                    .get(data, offset, count);
        }
    }

    /** The shape the header describes, after checking dtype and order. */
    private static int[] parseHeader(Path file, String header) {
        Map<String, Object> dict;
        try {
            dict = new HeaderParser(header).dictionary();
        } catch (IllegalStateException e) {
            throw malformed(file, header, e.getMessage());
        }
        if (!dict.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
            throw malformed(file, header, "keys must be exactly 'descr', 'fortran_order' and 'shape'");
        }
        Object descr = dict.get("descr");
        if (!DTYPE.equals(descr)) {
            throw bad(file, "dtype " + literal(descr) + " is not supported; Tessera reads little-endian float32 ('"
                    + DTYPE + "')");
        }
        Object fortran = dict.get("fortran_order");
        if (!(fortran instanceof Boolean)) {
            throw malformed(file, header, "fortran_order must be True or False");
        }
        if ((Boolean) fortran) {
            throw bad(file, "fortran_order True is not supported; save a C-order array (numpy.ascontiguousarray)");
        }
        Object shapeValue = dict.get("shape");
        if (!(shapeValue instanceof List)) {
            throw malformed(file, header, "shape must be a tuple of integers");
        }
        List<?> dims = (List<?>) shapeValue;
        if (dims.isEmpty()) {
            return new int[] {1}; // a 0-d array: one value
        }
        int[] shape = new int[dims.size()];
        long[] longDims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            Object d = dims.get(i);
            if (!(d instanceof Long) || (Long) d < 0) {
                throw malformed(file, header, "shape must be a tuple of non-negative integers");
            }
            longDims[i] = (Long) d;
            if (longDims[i] == 0) {
                throw bad(file, "shape " + literal(dims) + " has a zero dimension; an empty array cannot be a tensor");
            }
        }
        // every product in long with overflow checks: dimensions that multiply past 2^31 or 2^63 must not wrap
        CheckedSizes.tensorElements("npy file " + file, longDims);
        for (int i = 0; i < shape.length; i++) {
            shape[i] = (int) longDims[i]; // each at most the product, which fits an int
        }
        return shape;
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException(OneLine.of("npy file " + file + ": " + what));
    }

    private static IllegalArgumentException malformed(Path file, String header, String what) {
        String shown = header.strip().replace("\n", "\\n").replace("\r", "\\r");
        if (shown.length() > 200) {
            shown = shown.substring(0, 200) + "...";
        }
        return bad(file, "malformed header (" + what + "): " + shown);
    }

    /** A parsed header value written back as Python would show it. */
    private static String literal(Object value) {
        if (value instanceof String) {
            return "'" + value + "'";
        } else if (value instanceof Boolean) {
            return (Boolean) value ? "True" : "False";
        } else if (value instanceof List) {
            List<?> items = (List<?>) value;
            String inner = items.stream().map(Npy::literal).collect(Collectors.joining(", "));
            return "(" + inner + (items.size() == 1 ? ",)" : ")");
        }
        return String.valueOf(value == null ? "None" : value);
    }

    /**
     * The subset of Python literal syntax that npy headers use: a dict of string keys whose values are strings,
     * True/False/None, integers, and tuples or lists of those. Throws IllegalStateException saying what is wrong.
     */
    private static final class HeaderParser {
        private final String text;
        private int pos;

        HeaderParser(String text) {
            this.text = text;
        }

        Map<String, Object> dictionary() {
            expect('{');
            Map<String, Object> dict = new LinkedHashMap<>();
            while (peek() != '}') {
                Object key = value();
                if (!(key instanceof String)) {
                    throw new IllegalStateException("a key is not a string");
                }
                expect(':');
                if (dict.put((String) key, value()) != null) {
                    throw new IllegalStateException("key '" + key + "' appears twice");
                }
                if (peek() != '}') {
                    expect(',');
                }
            }
            expect('}');
            if (peek() != 0) {
                throw new IllegalStateException("text after the closing brace");
            }
            return dict;
        }

        private Object value() {
            char c = peek();
            if (c == '\'' || c == '"') {
                int end = text.indexOf(c, ++pos);
                if (end < 0) {
                    throw new IllegalStateException("unterminated string");
                }
                String s = text.substring(pos, end);
                pos = end + 1;
                return s;
            } else if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                pos++;
                List<Object> items = new ArrayList<>();
                while (peek() != close) {
                    items.add(value());
                    if (peek() != close) {
                        expect(',');
                    }
                }
                pos++;
                return items;
            } else if (Character.isDigit(c)) {
                int start = pos;
                while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                    pos++;
                }
                String digits = text.substring(start, pos);
                if (pos < text.length() && text.charAt(pos) == 'L') {
                    pos++; // Python 2 long
                }
                try {
                    return Long.parseLong(digits);
                } catch (NumberFormatException e) {
                    throw new IllegalStateException("integer " + digits + " is too large");
                }
            } else if (Character.isLetter(c)) {
                int start = pos;
                while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
                    pos++;
                }
                String word = text.substring(start, pos);
                switch (word) {
                    case "True":
                        return Boolean.TRUE;
                    case "False":
                        return Boolean.FALSE;
                    case "None":
                        return null;
                    default:
                        throw new IllegalStateException("unexpected word '" + word + "'");
                }
            }
            throw new IllegalStateException(c == 0 ? "unexpected end" : "unexpected '" + c + "' at " + pos);
        }

        /** The next character that is not white space, without consuming it; 0 at the end. */
        private char peek() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
            return pos < text.length() ? text.charAt(pos) : 0;
        }

        private void expect(char c) {
            char found = peek();
            if (found != c) {
                throw new IllegalStateException("expected '" + c + "' at " + pos + ", found "
                        + (found == 0 ? "the end" : "'" + found + "'"));
            }
            pos++;
        }
    }

    // ------------------------------------------------------------------------------------------------- writing

    /** Writes {@code tensor} as a format 1.0 {@code '<f4'} file, atomically replacing any existing file. */
    public static void write(Path file, Tensor tensor) {
        try {
            AtomicFiles.write(file, out -> {
                out.write(header(tensor.shape()));
                writeFloats(out, tensor.data());
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write npy file " + file + ": " + e, e);
        }
    }

    /**
     * The bytes of an npy file of format {@code major}.0 with {@code header} used as is (no padding, no checks) and
     * {@code data} after it: for tests and fuzzers that need malformed files.
     */
    public static byte[] rawFile(int major, String header, byte[] data) {
        byte[] text = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 2 + (major == 1 ? 2 : 4) + text.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        return b.put(text).put(data).array();
    }

    /** The magic, version 1.0, header length and header, exactly as numpy writes them. */
    static byte[] header(int[] shape) {
        String dims = shape.length == 1 ? shape[0] + ","
                : Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        StringBuilder dict = new StringBuilder("{'descr': '" + DTYPE + "', 'fortran_order': False, 'shape': (" + dims
                + "), }");
        if (shape.length > 0) {
            dict.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length()));
        }
        int prefix = MAGIC.length + 2 + 2;
        int unpadded = prefix + dict.length() + 1;
        dict.append(" ".repeat(ALIGN - unpadded % ALIGN)).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (text.length > 0xffff) {
            throw new IllegalArgumentException("npy header of " + text.length + " bytes does not fit format 1.0");
        }
        ByteBuffer out = ByteBuffer.allocate(prefix + text.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        return out.array();
    }

    private static void writeFloats(OutputStream out, float[] data) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int offset = 0; offset < data.length; offset += CHUNK_FLOATS) {
            int count = Math.min(CHUNK_FLOATS, data.length - offset);
            bytes.clear();
            bytes.asFloatBuffer().put(data, offset, count);
            out.write(bytes.array(), 0, count * Float.BYTES);
        }
    }
}
