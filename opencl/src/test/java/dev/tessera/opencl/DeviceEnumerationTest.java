package dev.tessera.opencl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

class DeviceEnumerationTest {
    @Test
    void everyDeviceHasConsistentRecords() {
        List<ClDevice> devices = OpenClDevices.all();
        assertFalse(devices.isEmpty(), "at least one OpenCL device");
        for (int i = 0; i < devices.size(); i++) {
            DeviceInfo d = devices.get(i).info();
            assertEquals(i, d.index(), "index is the position in the list");
            assertFalse(d.name().isBlank());
            assertFalse(d.platform().isBlank());
            assertFalse(d.driverVersion().isBlank());
            assertTrue(d.openclLanguageVersion().startsWith("OpenCL C"), d.openclLanguageVersion());
            assertTrue(d.type().matches("(CPU|GPU|ACCELERATOR|CUSTOM|DEFAULT)(\\+\\w+)*"), d.type());
            assertTrue(d.computeUnits() >= 1);
            assertTrue(d.globalMemBytes() >= d.maxAllocBytes() && d.maxAllocBytes() > 0);
            assertTrue(d.localMemBytes() >= 16 * 1024, "OpenCL 1.2 guarantees 16 KiB of local memory");
            assertTrue(d.maxWorkGroupSize() >= 1);
            assertTrue(d.maxWorkItemSizes().size() >= 3, "OpenCL guarantees 3 work-item dimensions");
            assertTrue(d.preferredVectorWidth().floatWidth() >= 1);
            assertEquals(d.fp16(), d.extensions().contains("cl_khr_fp16"));
            if (d.extensions().contains("cl_khr_fp64")) {
                assertTrue(d.fp64());
            }
            assertTrue(d.key().contains(d.name()) && d.key().contains(d.driverVersion()));
        }
    }

    @Test
    void typeNamesJoinEveryBit() {
        assertEquals("CPU", OpenClDevices.typeName(org.jocl.CL.CL_DEVICE_TYPE_CPU));
        assertEquals("GPU+ACCELERATOR",
                OpenClDevices.typeName(org.jocl.CL.CL_DEVICE_TYPE_GPU | org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR));
        assertEquals("DEFAULT", OpenClDevices.typeName(0));
    }

    @Test
    void selectorsPickByIndexNameOrAll() {
        List<ClDevice> devices = OpenClDevices.all();
        ClDevice first = devices.get(0);
        assertSame(first, DeviceSelector.parse("0").selectOne(devices));
        String part = first.name().substring(0, Math.min(6, first.name().length())).toUpperCase();
        assertTrue(DeviceSelector.parse(part).select(devices).contains(first), "name match ignores case");
        List<ClDevice> real = devices.stream().filter(d -> !OpenClDevices.isSimulator(d.info().platform())).toList();
        assertEquals(real.isEmpty() ? devices : real, DeviceSelector.parse("all").select(devices));
        assertEquals(real.isEmpty() ? devices : real, DeviceSelector.parse("ALL").select(devices));
    }

    @Test
    void simulatorsComeAfterEveryRealDevice() {
        List<ClDevice> devices = OpenClDevices.all();
        boolean simulatorSeen = false;
        for (ClDevice d : devices) {
            boolean simulator = OpenClDevices.isSimulator(d.info().platform());
            assertTrue(simulator || !simulatorSeen, "real device " + d.name() + " listed after a simulator");
            simulatorSeen |= simulator;
        }
        assertTrue(OpenClDevices.isSimulator("Oclgrind"));
        assertFalse(OpenClDevices.isSimulator("Portable Computing Language"));
    }

    @Test
    void selectorsThatMatchNothingNameTheDevices() {
        List<ClDevice> devices = OpenClDevices.all();
        IllegalArgumentException byIndex = assertThrows(IllegalArgumentException.class,
                () -> DeviceSelector.parse(String.valueOf(devices.size())).select(devices));
        assertTrue(byIndex.getMessage().contains(devices.get(0).name()), byIndex.getMessage());
        IllegalArgumentException byName = assertThrows(IllegalArgumentException.class,
                () -> DeviceSelector.parse("no-such-device-xyz").select(devices));
        assertTrue(byName.getMessage().contains("no-such-device-xyz"));
        assertThrows(IllegalArgumentException.class, () -> DeviceSelector.parse(" "));
    }
}
