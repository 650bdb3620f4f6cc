package dev.tessera.reports;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The hand-written result files under src/test/resources/dev/tessera/reports, copied to a directory so that they are
 * read from paths as the CLI reads them. alpha.json: host alpha, device gpu-a (probe 100 GFLOP/s, 10 GB/s), LeNet-5
 * direct: latency (samples 2, 4, 3, 5, 6 ms; layers conv1 0.5 ms, relu1 0.25 ms, fc1 0.25 ms; CLBlast ratio 0.25),
 * throughput b1 250 images/s (rsd 0.1) and b4 800 images/s (rsd 0.2), accuracy (per layer 1e-7, 0, 3e-7; top-1 3/4)
 * and an unsupported aparapi row. beta.json: host beta, gpu-b, throughput b1 500 images/s (no rsd), latency samples
 * 1, 2, 3. alpha-again.json: alpha's b1 throughput configuration measured again, 330 images/s (rsd 0.05).
 */
final class Fixtures {
    static final String ALPHA = "alpha.json";
    static final String BETA = "beta.json";
    static final String ALPHA_AGAIN = "alpha-again.json";
    static final String JMH = "jmh-sample.json";

    private Fixtures() {
    }

    static Path copy(Path dir, String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            Path target = dir.resolve(name);
            Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> copy(Path dir, String... names) {
        List<Path> paths = new ArrayList<>();
        for (String n : names) {
            paths.add(copy(dir, n));
        }
        return paths;
    }

    static ReportData merged(Path dir, String... names) {
        return ReportData.merge(ReportInputs.read(copy(dir, names)));
    }
}
