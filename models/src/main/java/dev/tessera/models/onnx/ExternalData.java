package dev.tessera.models.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;

/**
 * A tensor's bytes kept outside the model file, as the ONNX spec's external data defines them: the entries
 * {@code location} (a path relative to the model file's folder), {@code offset} and {@code length} (bytes; without a
 * length, to the end of the file). The path must stay inside the model's folder, symbolic links resolved, so a model
 * cannot make Tessera read any other file.
 */
final class ExternalData {
    private ExternalData() {
    }

    /** The bytes of {@code tensor}'s external data; {@code folder} is the model file's folder (null: none known). */
    static ByteString read(OnnxMl.TensorProto tensor, Path folder, String what) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (OnnxMl.StringStringEntryProto entry : tensor.getExternalDataList()) {
            switch (entry.getKey()) {
                case "location" -> location = entry.getValue();
                case "offset" -> offset = number(entry, what);
                case "length" -> length = number(entry, what);
                case "checksum" -> { } // optional SHA-1; the sizes are checked instead
                default -> throw new OnnxFormatException(what + ": external data entry '" + entry.getKey()
                        + "' is not supported (location, offset, length, checksum)");
            }
        }
        if (location == null || location.isEmpty()) {
            throw new OnnxFormatException(what + ": external data without a location");
        }
        if (folder == null) {
            throw new OnnxFormatException(what + ": its weights are external data (" + location + "), which can only"
                    + " be read when the model is loaded from its file");
        }
        Path file = confined(folder, location, what);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long count = length < 0 ? size - offset : length;
            if (offset < 0 || count < 0 || offset + count > size) {
                throw new OnnxFormatException(what + ": external data " + location + " bytes " + offset + " to "
                        + (offset + count) + " lie outside the file's " + size + " bytes");
            }
            if (count > Integer.MAX_VALUE - 8) {
                throw new OnnxFormatException(what + ": external data of " + count + " bytes is too large");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) count);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new OnnxFormatException(what + ": external data " + location + " ended early");
                }
            }
            buffer.flip();
            return ByteString.copyFrom(buffer);
        } catch (IOException e) {
            throw new OnnxFormatException(what + ": cannot read external data " + file + ": " + e.getMessage(), e);
        }
    }

    private static long number(OnnxMl.StringStringEntryProto entry, String what) {
        try {
            return Long.parseLong(entry.getValue().trim());
        } catch (NumberFormatException e) {
            throw new OnnxFormatException(what + ": external data " + entry.getKey() + " '" + entry.getValue()
                    + "' is not a number");
        }
    }

    /** {@code location} resolved in {@code folder}; an error when it leads outside it. */
    private static Path confined(Path folder, String location, String what) {
        Path relative;
        try {
            relative = Path.of(location);
        } catch (java.nio.file.InvalidPathException e) {
            throw new OnnxFormatException(what + ": external data location '" + location + "' is not a path");
        }
        Path base = folder.toAbsolutePath().normalize();
        Path file = base.resolve(relative).normalize();
        String outside = what + ": external data location '" + location + "' leads outside the model's folder "
                + base;
        if (relative.isAbsolute() || !file.startsWith(base)) {
            throw new OnnxFormatException(outside);
        }
        if (!Files.isRegularFile(file)) {
            throw new OnnxFormatException(what + ": external data file " + file + " does not exist");
        }
        try {
            if (!file.toRealPath().startsWith(base.toRealPath())) {
                throw new OnnxFormatException(outside + " (through a symbolic link)");
            }
        } catch (IOException e) {
            throw new OnnxFormatException(what + ": cannot resolve external data " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
