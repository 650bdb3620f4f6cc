package dev.tessera.backend.io;

/**
 * Messages that quote a file's own text (a dtype, a node or tensor name) stay one line: control characters and line
 * separators in the quoted text are shown as escapes ({@code \n}, {@code \x07}, {@code \u2028}), so the command line's
 * one-line error cannot be split or garbled by the file it is about.
 */
public final class OneLine {
    private OneLine() {
    }

    /** {@code text} with every control character and line or paragraph separator escaped. */
    public static String of(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String escape = switch (c) {
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c)
                        : c == '\u0085' || c == '\u2028' || c == '\u2029' ? String.format("\\u%04x", (int) c) : null;
            };
            if (escape != null && sb == null) {
                sb = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (sb != null) {
                if (escape != null) {
                    sb.append(escape);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? text : sb.toString();
    }
}
