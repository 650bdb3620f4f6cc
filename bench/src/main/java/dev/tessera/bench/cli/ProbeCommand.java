package dev.tessera.bench.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.PeakProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "probe", mixinStandardHelpOptions = true, description = {
        "Measure each device's roofline ceilings: peak fp32 GFLOP/s (independent multiply-add chains at every vector "
                + "width and several work-group sizes) and global memory bandwidth (copy and read kernels)."})
final class ProbeCommand implements Callable<Integer> {
    @Mixin
    DeviceOption deviceOption = new DeviceOption("all");

    @Option(names = "--json", description = "Print a JSON array, one object per device.")
    boolean json;

    @Option(names = "--quick", description = "Shorter launches, fewer repeats and smaller buffers: a rough figure in a "
            + "few seconds (for smoke tests), not a ceiling to report.")
    boolean quick;

    @Spec
    CommandSpec spec;

    /** What `tessera probe --json` prints per device. */
    record ProbeReport(int deviceIndex, String device, String driver, double peakGflopsFp32,
            PeakProbe.Measurement peakKernel, double bandwidthGbs, PeakProbe.Measurement bandwidthKernel,
            List<PeakProbe.Measurement> computeMeasurements, List<PeakProbe.Measurement> memoryMeasurements) {
        static ProbeReport of(PeakProbe.Result r) {
            return new ProbeReport(r.device().index(), r.device().name(), r.device().driverVersion(),
                    round(r.peakGflopsFp32()), r.bestCompute(), round(r.bandwidthGbs()), r.bestBandwidth(), r.compute(),
                    r.memory());
        }

        private static double round(double v) {
            return Math.round(v * 10) / 10.0;
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<ProbeReport> reports = new ArrayList<>();
        for (ClDevice device : deviceOption.devices()) {
            try (ClContext context = ClContext.open(device)) {
                reports.add(ProbeReport.of((quick ? PeakProbe.quick() : PeakProbe.standard()).run(context)));
            }
            if (!json) {
                ProbeReport r = reports.get(reports.size() - 1);
                out.printf("#%d %s%n", r.deviceIndex(), r.device());
                out.printf("  peak fp32:  %8.1f GFLOP/s  (%s, float%d, %d chains, work-group %d)%n", r.peakGflopsFp32(),
                        r.peakKernel().operation(), r.peakKernel().vectorWidth(), r.peakKernel().accumulators(),
                        r.peakKernel().workGroupSize());
                out.printf("  bandwidth:  %8.1f GB/s     (%s, float%d, work-group %d)%n", r.bandwidthGbs(),
                        r.bandwidthKernel().kernel(), r.bandwidthKernel().vectorWidth(),
                        r.bandwidthKernel().workGroupSize());
                out.flush();
            }
        }
        if (json) {
            out.println(Json.write(reports));
            out.flush();
        }
        return 0;
    }
}
