package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * docs/ARCHITECTURE.md's kernel table (operator -> Java -> kernel file) against the source tree: every {@code .cl} file
 * of the opencl module's kernels folder has a row, every kernel file a row names exists, and every Java class (and
 * {@code Class.member}) the table names exists, written with its package under backend's {@code opencl}
 * ({@code common.}, {@code conv.}, {@code gemm.}, {@code ops.}, {@code plan.}, {@code gpu.}, none for the package itself).
 */
class KernelTableTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path KERNELS = ROOT.resolve("opencl/src/main/resources/dev/tessera/opencl/kernels");
    private static final Path DOC = ROOT.resolve("docs/ARCHITECTURE.md");
    private static final String HEADER = "| operator | Java | kernel file |";
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    /** A Java reference in the table: optional lower-case package segments, a class, optionally one member. */
    private static final Pattern JAVA = Pattern.compile("((?:[a-z][a-z0-9]*\\.)*)([A-Z][A-Za-z0-9]*)(?:\\.([a-z][A-Za-z0-9]*))?");

    /** One row of the table: its operator, Java and kernel-file cells. */
    record Row(String line, String operator, String java, String kernels) {
    }

    /** The table's rows (after the header and the separator, up to the first line that is not a row). */
    static List<Row> rows(List<String> doc) {
        int header = -1;
        for (int i = 0; i < doc.size(); i++) {
            if (doc.get(i).strip().equals(HEADER)) {
                if (header >= 0) {
                    fail("docs/ARCHITECTURE.md has two kernel tables (\"" + HEADER + "\"); keep one");
                }
                header = i;
            }
        }
        assertTrue(header >= 0, "docs/ARCHITECTURE.md has no kernel table headed " + HEADER);
        List<Row> rows = new ArrayList<>();
        for (int i = header + 2; i < doc.size() && doc.get(i).strip().startsWith("|"); i++) {
            String line = doc.get(i).strip();
            String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
            assertEquals(3, cells.length, "a kernel table row needs three cells: " + line);
            rows.add(new Row(line, cells[0].strip(), cells[1].strip(), cells[2].strip()));
        }
        return rows;
    }

    private static List<String> code(String cell) {
        List<String> out = new ArrayList<>();
        Matcher m = CODE.matcher(cell);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static Set<String> kernelFiles() throws IOException {
        try (Stream<Path> files = Files.list(KERNELS)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cl"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static List<Path> javaSources() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/main/java/"))
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
                    .toList();
        }
    }

    @Test
    void everyKernelFileHasARowAndEveryRowsFileExists() throws IOException {
        List<Row> rows = rows(Files.readAllLines(DOC));
        Set<String> named = new TreeSet<>();
        for (Row row : rows) {
            code(row.kernels()).stream().filter(c -> c.endsWith(".cl")).forEach(named::add);
        }
        Set<String> present = kernelFiles();
        assertFalse(present.isEmpty(), "no kernels found under " + KERNELS);
        List<String> problems = new ArrayList<>();
        for (String file : present) {
            if (!named.contains(file)) {
                problems.add(file + " has no row in docs/ARCHITECTURE.md's kernel table (add \"| operator | `JavaClass` | `"
                        + file + "` |\")");
            }
        }
        for (String file : named) {
            if (!present.contains(file)) {
                problems.add("docs/ARCHITECTURE.md's kernel table names " + file + ", which is not in " + ROOT.relativize(KERNELS));
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everyJavaClassAndMemberTheTableNamesExists() throws IOException {
        List<Path> sources = javaSources();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Row row : rows(Files.readAllLines(DOC))) {
            for (String ref : code(row.java())) {
                Matcher m = JAVA.matcher(ref);
                if (!m.matches()) {
                    continue; // a solver id such as `winograd-fused-2x2`, not Java
                }
                String suffix = "/" + m.group(1).replace('.', '/') + m.group(2) + ".java";
                List<Path> found = sources.stream().filter(p -> p.toString().endsWith(suffix)).toList();
                if (found.isEmpty()) {
                    problems.add("`" + ref + "` in the row \"" + row.operator() + "\": no class " + m.group(2)
                            + " under */src/main/java");
                    continue;
                }
                checked++;
                String where = openclPackage(found);
                if (where != null && !where.equals(m.group(1))) {
                    problems.add("`" + ref + "` in the row \"" + row.operator() + "\": write it with its package under"
                            + " backend's opencl, `" + where + m.group(2) + (m.group(3) == null ? "" : "." + m.group(3)) + "`");
                }
                String member = m.group(3);
                if (member != null && found.stream().noneMatch(p -> declares(p, member))) {
                    problems.add("`" + ref + "` in the row \"" + row.operator() + "\": " + m.group(2) + " has no member "
                            + member);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(checked >= 10, "only " + checked + " Java references checked: is the table parsed?");
    }

    /**
     * For a class of backend's {@code opencl} package or one of its sub-packages, the table's package prefix for it
     * ({@code ""}, {@code "conv."}, {@code "gpu."} ...); null for classes elsewhere.
     */
    static String openclPackage(List<Path> found) {
        String marker = "/backend/src/main/java/dev/tessera/backend/opencl/";
        for (Path p : found) {
            String s = p.toString().replace('\\', '/');
            int at = s.indexOf(marker);
            if (at >= 0) {
                String rest = s.substring(at + marker.length());
                int slash = rest.lastIndexOf('/');
                return slash < 0 ? "" : rest.substring(0, slash).replace('/', '.') + ".";
            }
        }
        return null;
    }

    private static boolean declares(Path source, String member) {
        try {
            return Pattern.compile("\\b" + Pattern.quote(member) + "\\s*\\(").matcher(Files.readString(source)).find();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theParserReadsCellsAndCodeSpans() {
        List<String> doc = List.of("text", "    " + HEADER, "    |---|---|---|",
                "    | conv2d | `ConvSolvers` -> `DirectConvSolver` / `gpu.XgemmParameters` | `conv_direct.cl` + `gemm.cl` |",
                "    | pool | `OpenClBackend.pool` | `pool.cl` |", "", "| other | table | x |");
        List<Row> rows = rows(doc);
        assertEquals(2, rows.size());
        assertEquals(List.of("ConvSolvers", "DirectConvSolver", "gpu.XgemmParameters"), code(rows.get(0).java()));
        assertEquals(List.of("conv_direct.cl", "gemm.cl"), code(rows.get(0).kernels()));
        Matcher m = JAVA.matcher("OpenClBackend.pool");
        assertTrue(m.matches());
        assertEquals("OpenClBackend", m.group(2));
        assertEquals("pool", m.group(3));
        assertFalse(JAVA.matcher("winograd-fused-2x2").matches());
        assertEquals("conv.", openclPackage(List.of(Path.of("/r/backend/src/main/java/dev/tessera/backend/opencl/conv/X.java"))));
        assertEquals("", openclPackage(List.of(Path.of("/r/backend/src/main/java/dev/tessera/backend/opencl/X.java"))));
        assertNull(openclPackage(List.of(Path.of("/r/bench/src/main/java/dev/tessera/bench/X.java"))));
    }
}
