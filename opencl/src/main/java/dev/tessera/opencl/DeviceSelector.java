package dev.tessera.opencl;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The device selector used everywhere in Tessera: an index from {@code tessera devices}, a case-insensitive part of the
 * device name, or {@code all} (every device but simulators).
 */
public final class DeviceSelector {
    private final String text;

    private DeviceSelector(String text) {
        this.text = text;
    }

    public static DeviceSelector parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty device selector; use an index, part of a device name, or 'all'");
        }
        return new DeviceSelector(text.strip());
    }

    public static DeviceSelector all() {
        return new DeviceSelector("all");
    }

    /**
     * The one device a setting names: the selector in the system property {@code property}, else in the environment
     * variable {@code variable}, else device 0 (how the tests pick theirs: tessera.test.device, TESSERA_TEST_DEVICE).
     */
    public static ClDevice fromSetting(String property, String variable) {
        String selector = System.getProperty(property, System.getenv(variable));
        return parse(selector == null || selector.isBlank() ? "0" : selector).selectOne(OpenClDevices.all());
    }

    /**
     * The devices this selector names, in list order. {@code all} leaves out simulators (Oclgrind), which would take
     * hours over a benchmark, unless there is nothing else; name one to use it.
     *
     * @throws IllegalArgumentException when it names none; the message lists the devices there are
     */
    public List<ClDevice> select(List<ClDevice> devices) {
        if (text.equalsIgnoreCase("all")) {
            List<ClDevice> real = devices.stream().filter(d -> !OpenClDevices.isSimulator(d.info().platform()))
                    .toList();
            return real.isEmpty() ? devices : real;
        }
        if (text.chars().allMatch(Character::isDigit)) {
            int index = Integer.parseInt(text);
            if (index >= devices.size()) {
                throw new IllegalArgumentException("no OpenCL device with index " + index + "; " + listing(devices));
            }
            return List.of(devices.get(index));
        }
        String needle = text.toLowerCase(Locale.ROOT);
        List<ClDevice> matches = devices.stream()
                .filter(d -> d.name().toLowerCase(Locale.ROOT).contains(needle))
                .toList();
        if (matches.isEmpty()) {
            throw new IllegalArgumentException("no OpenCL device name contains '" + text + "'; " + listing(devices));
        }
        return matches;
    }

    /** The single device this selector names; an error if it names none or several. */
    public ClDevice selectOne(List<ClDevice> devices) {
        List<ClDevice> matches = select(devices);
        if (matches.size() != 1) {
            throw new IllegalArgumentException("device selector '" + text + "' matches " + matches.size()
                    + " devices; name one: " + listing(matches));
        }
        return matches.get(0);
    }

    private static String listing(List<ClDevice> devices) {
        return "devices: " + devices.stream().map(d -> d.index() + " = " + d.name()).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return text;
    }
}
