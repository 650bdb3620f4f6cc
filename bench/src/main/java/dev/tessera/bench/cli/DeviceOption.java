package dev.tessera.bench.cli;

import java.util.List;

import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.OpenClDevices;
import picocli.CommandLine.Option;

/** The {@code --device SEL} option every command that runs on a device shares. */
final class DeviceOption {
    @Option(names = {"-d", "--device"}, paramLabel = "SEL",
            description = "Device: an index from 'tessera devices', part of a device name (case-insensitive), or 'all'. "
                    + "Default: ${DEFAULT-VALUE}.")
    String selector;

    private final String defaultSelector;

    DeviceOption(String defaultSelector) {
        this.defaultSelector = defaultSelector;
    }

    DeviceOption() {
        this("0");
    }

    List<ClDevice> devices() {
        return DeviceSelector.parse(selector == null ? defaultSelector : selector).select(OpenClDevices.all());
    }

    ClDevice device() {
        return DeviceSelector.parse(selector == null ? defaultSelector : selector).selectOne(OpenClDevices.all());
    }
}
