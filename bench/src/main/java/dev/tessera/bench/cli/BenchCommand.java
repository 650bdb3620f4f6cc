package dev.tessera.bench.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code tessera bench}: the benchmark harness. It does not exist yet; until it does this command says so plainly
 * (exit code 1) instead of pretending to measure anything.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "The benchmark harness (not available yet: use devices, probe, op and models).")
final class BenchCommand implements Callable<Integer> {
    @Unmatched
    java.util.List<String> ignored;

    @Override
    public Integer call() {
        throw new IllegalStateException("the benchmark harness is not built yet; today 'tessera devices', "
                + "'tessera models', 'tessera probe' and 'tessera op' run, and the JMH microbenchmarks "
                + "(see README.md)");
    }
}
