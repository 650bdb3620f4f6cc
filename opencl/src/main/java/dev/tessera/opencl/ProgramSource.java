package dev.tessera.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenCL C source text with a name. Kernel files live as resources under {@code dev/tessera/opencl/kernels/}; a line
 * {@code #include "common.h"} in them is replaced by that header's text (each header once), so the text handed to the
 * driver is self-contained and no driver needs an include path.
 *
 * @param name the file name (for messages and the cache)
 * @param text the complete source, includes resolved
 */
public record ProgramSource(String name, String text) {
    private static final String KERNEL_DIR = "/dev/tessera/opencl/kernels/";
    private static final Pattern INCLUDE = Pattern.compile("(?m)^\\s*#\\s*include\\s+\"([^\"]+)\"\\s*$");

    public static ProgramSource of(String name, String text) {
        return new ProgramSource(name, text);
    }

    /** Loads {@code kernels/<file>} from the classpath and resolves its includes. */
    public static ProgramSource resource(String file) {
        return new ProgramSource(file, resolve(file, new HashSet<>()));
    }

    private static String resolve(String file, Set<String> included) {
        String text = read(file);
        Matcher m = INCLUDE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String header = m.group(1);
            String replacement = included.add(header)
                    ? "/* begin " + header + " */\n" + resolve(header, included) + "\n/* end " + header + " */"
                    : "/* " + header + " already included */";
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String read(String file) {
        try (InputStream in = ProgramSource.class.getResourceAsStream(KERNEL_DIR + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no kernel source named " + file + " under " + KERNEL_DIR);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading kernel source " + file, e);
        }
    }
}
