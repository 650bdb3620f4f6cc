package dev.tessera.bench.cli;

import java.io.PrintWriter;
import java.util.Arrays;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code tessera} command. Every error reaches the user as one line on stderr and exit code 1; {@code --verbose}
 * adds the stack trace (and, for kernel build failures, the build log).
 */
@Command(name = "tessera", mixinStandardHelpOptions = true, versionProvider = TesseraCli.Version.class,
        description = "Runs convolutional networks on OpenCL devices and measures how fast and how accurate they are.",
        subcommands = {DevicesCommand.class, ProbeCommand.class, OpCommand.class, ModelsCommand.class,
                SelftestCommand.class, TuneCommand.class, TrainCommand.class, BenchCommand.class, RunCommand.class,
                ExportCommand.class, ReportCommand.class, CompareCommand.class,
                CommandLine.HelpCommand.class})
public final class TesseraCli implements Runnable {
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces and full build logs with errors.")
    boolean verbose;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "missing command; see 'tessera --help'");
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code (0 ok, 1 any error). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        CommandLine cli = new CommandLine(new TesseraCli());
        // every floating-point option of every command goes through here: NaN and infinities are refused
        cli.registerConverter(Double.class, TesseraCli::finite);
        cli.registerConverter(Double.TYPE, TesseraCli::finite);
        cli.registerConverter(Float.class, text -> (float) finite(text));
        cli.registerConverter(Float.TYPE, text -> (float) finite(text));
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, arguments) -> {
            err.println("tessera: " + ex.getMessage() + " (see 'tessera " + commandPath(ex.getCommandLine())
                    + "--help')");
            err.flush();
            return 1;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            err.println("tessera: " + oneLine(ex));
            if (verbose) {
                ex.printStackTrace(err);
            } else if (ex.getMessage() != null && ex.getMessage().contains("\n")) {
                err.println("tessera: (run with --verbose for the full message)");
            }
            err.flush();
            return 1;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            // what the size checks before allocating did not foresee: still one line, never a stack trace
            err.println("tessera: out of memory (" + oneLine(e) + "); the Java heap's limit is "
                    + dev.tessera.backend.HeapBudget.size(Runtime.getRuntime().maxMemory())
                    + " (raise it with TESSERA_JAVA_OPTS=-Xmx...) or use smaller inputs");
            err.flush();
            return 1;
        } catch (StackOverflowError e) {
            err.println("tessera: an input is nested too deeply to process (stack overflow)");
            err.flush();
            return 1;
        }
    }

    /** A floating-point option value, which must be a finite number. */
    static double finite(String text) {
        double value;
        try {
            value = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a number");
        }
        if (!Double.isFinite(value)) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a finite number");
        }
        return value;
    }

    private static String commandPath(CommandLine commandLine) {
        StringBuilder path = new StringBuilder();
        for (CommandLine c = commandLine; c != null && c.getParent() != null; c = c.getParent()) {
            path.insert(0, c.getCommandName() + " ");
        }
        return path.toString();
    }

    static String oneLine(Throwable ex) {
        String message = ex.getMessage();
        if (message == null || message.isBlank()) {
            message = ex.getClass().getSimpleName();
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** The version from the jar manifest (the Maven project version). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TesseraCli.class.getPackage().getImplementationVersion();
            return new String[] {"tessera " + (version == null ? "(development build)" : version)};
        }
    }
}
