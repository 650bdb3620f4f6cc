package dev.tessera.bench.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.NoOpenClPlatformException;
import dev.tessera.opencl.OpenClDevices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "devices", mixinStandardHelpOptions = true, description = "List every OpenCL platform's devices and their limits.")
final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print a JSON array of the device records.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<DeviceInfo> devices;
        try {
            devices = OpenClDevices.all().stream().map(ClDevice::info).toList();
        } catch (NoOpenClPlatformException e) {
            spec.commandLine().getErr().println("tessera: " + e.getMessage());
            out.println(json ? "[]" : "No OpenCL devices.");
            return 0;
        }
        if (json) {
            out.println(Json.write(devices));
        } else {
            out.print(table(devices));
        }
        out.flush();
        return 0;
    }

    static String table(List<DeviceInfo> devices) {
        TextTable table = new TextTable("#", "type", "name", "platform", "CUs", "MHz", "global", "max alloc", "local",
                "max WG", "float vec", "fp16", "fp64", "driver");
        for (DeviceInfo d : devices) {
            table.row(String.valueOf(d.index()), d.type(), d.name(), d.platform(), String.valueOf(d.computeUnits()),
                    String.valueOf(d.clockMhz()), TextTable.bytes(d.globalMemBytes()), TextTable.bytes(d.maxAllocBytes()),
                    TextTable.bytes(d.localMemBytes()) + (d.localMemDedicated() ? "" : " (global)"),
                    String.valueOf(d.maxWorkGroupSize()),
                    d.preferredVectorWidth().floatWidth() + "/" + d.nativeVectorWidth().floatWidth(),
                    d.fp16() ? "yes" : "no", d.fp64() ? "yes" : "no", d.driverVersion());
        }
        return table.render();
    }
}
