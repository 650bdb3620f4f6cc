package dev.tessera.aparapi;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.opencl.OpenCLPlatform;

import dev.tessera.opencl.DeviceInfo;

/**
 * Finds the Aparapi device that is the same OpenCL device as one of Tessera's (chosen with the CLI's device selector):
 * Aparapi enumerates platforms and devices through its own native library, so the match is by platform name and device
 * name, the i-th of several identical devices on one platform matching the i-th.
 */
public final class AparapiDevices {
    private AparapiDevices() {
    }

    /** Every OpenCL device Aparapi sees, platform by platform. */
    public static List<OpenCLDevice> all() {
        List<OpenCLDevice> devices = new ArrayList<>();
        for (OpenCLPlatform platform : new OpenCLPlatform().getOpenCLPlatforms()) {
            devices.addAll(platform.getOpenCLDevices());
        }
        return devices;
    }

    /**
     * The Aparapi device for {@code info}.
     *
     * @throws IllegalArgumentException when Aparapi does not see it (the message lists what it sees)
     */
    public static OpenCLDevice find(DeviceInfo info, List<DeviceInfo> sameNameBefore) {
        List<OpenCLDevice> candidates = all().stream()
                .filter(d -> d.getName().strip().equals(info.name().strip())
                        && d.getOpenCLPlatform().getName().strip().equals(info.platform().strip()))
                .toList();
        int nth = (int) sameNameBefore.stream().filter(d -> d.name().strip().equals(info.name().strip())
                && d.platform().strip().equals(info.platform().strip())).count();
        if (nth >= candidates.size()) {
            throw new IllegalArgumentException("aparapi: Aparapi's OpenCL library does not see the device '"
                    + info.name() + "' (platform " + info.platform() + "); it sees: " + all().stream()
                            .map(d -> d.getName() + " (" + d.getOpenCLPlatform().getName() + ")")
                            .collect(Collectors.joining(", ")));
        }
        return candidates.get(nth);
    }
}
