package dev.tessera.opencl;

import static org.jocl.CL.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jocl.CL;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Finds every device of every type on every OpenCL platform. */
public final class OpenClDevices {
    private static List<ClDevice> discovered;

    private OpenClDevices() {
    }

    /**
     * Every device, numbered in platform order then device order, simulators (Oclgrind) last so that device 0 is a real
     * one. The list is read once per process.
     *
     * @throws NoOpenClPlatformException when the OpenCL loader is missing or no platform is installed
     */
    public static synchronized List<ClDevice> all() {
        if (discovered == null) {
            discovered = List.copyOf(discover());
        }
        return discovered;
    }

    private static List<ClDevice> discover() {
        int[] count = new int[1];
        int status;
        try {
            status = CL.clGetPlatformIDs(0, null, count);
        } catch (LinkageError e) {
            throw new NoOpenClPlatformException("the OpenCL library could not be loaded: " + e.getMessage());
        }
        if (status == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (status == CL_SUCCESS && count[0] == 0)) {
            throw new NoOpenClPlatformException("the OpenCL loader lists no platform");
        }
        OpenClException.check(status, "clGetPlatformIDs");
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        OpenClException.check(clGetPlatformIDs(platforms.length, platforms, null), "clGetPlatformIDs");

        List<ClDevice> devices = new ArrayList<>();
        for (cl_platform_id platform : simulatorsLast(platforms)) {
            int[] deviceCount = new int[1];
            int st = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, deviceCount);
            if (st == CL_DEVICE_NOT_FOUND || deviceCount[0] == 0) {
                continue;
            }
            OpenClException.check(st, "clGetDeviceIDs");
            cl_device_id[] ids = new cl_device_id[deviceCount[0]];
            OpenClException.check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids.length, ids, null), "clGetDeviceIDs");
            for (cl_device_id id : ids) {
                devices.add(new ClDevice(platform, id, read(devices.size(), platform, id)));
            }
        }
        if (devices.isEmpty()) {
            throw new NoOpenClPlatformException(platforms.length + " platform(s) but no device");
        }
        return devices;
    }

    /**
     * The platforms in the loader's order, except that simulators (Oclgrind) come last: the ICD loader lists platforms
     * with GPU devices first, and Oclgrind's device claims every type, so it would otherwise become device 0.
     */
    private static List<cl_platform_id> simulatorsLast(cl_platform_id[] platforms) {
        List<cl_platform_id> real = new ArrayList<>();
        List<cl_platform_id> simulators = new ArrayList<>();
        for (cl_platform_id platform : platforms) {
            (isSimulator(ClInfo.platformString(platform, CL_PLATFORM_NAME)) ? simulators : real).add(platform);
        }
        real.addAll(simulators);
        return real;
    }

    /**
     * Whether a platform of this name simulates a device (Oclgrind: it interprets kernels, thousands of times slower,
     * to check them) rather than running on one. Simulators are listed last and left out of the selector {@code all}.
     */
    public static boolean isSimulator(String platformName) {
        return platformName.toLowerCase(java.util.Locale.ROOT).contains("oclgrind");
    }

    private static DeviceInfo read(int index, cl_platform_id platform, cl_device_id id) {
        List<String> extensions = Arrays.stream(ClInfo.deviceString(id, CL_DEVICE_EXTENSIONS).split("\\s+"))
                .filter(s -> !s.isEmpty()).toList();
        long doubleConfig = extensions.contains("cl_khr_fp64") ? 1 : safeLong(id, CL_DEVICE_DOUBLE_FP_CONFIG);
        List<Long> itemSizes = Arrays.stream(ClInfo.deviceSizes(id, CL_DEVICE_MAX_WORK_ITEM_SIZES)).boxed().toList();
        return new DeviceInfo(
                index,
                ClInfo.platformString(platform, CL_PLATFORM_NAME),
                ClInfo.platformString(platform, CL_PLATFORM_VERSION),
                ClInfo.deviceString(id, CL_DEVICE_NAME),
                ClInfo.deviceString(id, CL_DEVICE_VENDOR),
                typeName(ClInfo.deviceLong(id, CL_DEVICE_TYPE)),
                ClInfo.deviceString(id, CL_DRIVER_VERSION),
                ClInfo.deviceString(id, CL_DEVICE_VERSION),
                ClInfo.deviceString(id, CL_DEVICE_OPENCL_C_VERSION),
                ClInfo.deviceInt(id, CL_DEVICE_MAX_COMPUTE_UNITS),
                ClInfo.deviceInt(id, CL_DEVICE_MAX_CLOCK_FREQUENCY),
                ClInfo.deviceLong(id, CL_DEVICE_GLOBAL_MEM_SIZE),
                ClInfo.deviceLong(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                ClInfo.deviceLong(id, CL_DEVICE_LOCAL_MEM_SIZE),
                ClInfo.deviceInt(id, CL_DEVICE_LOCAL_MEM_TYPE) == CL_LOCAL,
                ClInfo.deviceSize(id, CL_DEVICE_MAX_WORK_GROUP_SIZE),
                itemSizes,
                widths(id, true),
                widths(id, false),
                extensions.contains("cl_khr_fp16"),
                doubleConfig != 0,
                extensions);
    }

    private static DeviceInfo.VectorWidths widths(cl_device_id id, boolean preferred) {
        if (preferred) {
            return new DeviceInfo.VectorWidths(
                    ClInfo.deviceInt(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_CHAR),
                    ClInfo.deviceInt(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_SHORT),
                    ClInfo.deviceInt(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_INT),
                    ClInfo.deviceInt(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_LONG),
                    ClInfo.deviceInt(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT),
                    ClInfo.deviceInt(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE),
                    ClInfo.deviceIntOrZero(id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF));
        }
        return new DeviceInfo.VectorWidths(
                ClInfo.deviceIntOrZero(id, CL_DEVICE_NATIVE_VECTOR_WIDTH_CHAR),
                ClInfo.deviceIntOrZero(id, CL_DEVICE_NATIVE_VECTOR_WIDTH_SHORT),
                ClInfo.deviceIntOrZero(id, CL_DEVICE_NATIVE_VECTOR_WIDTH_INT),
                ClInfo.deviceIntOrZero(id, CL_DEVICE_NATIVE_VECTOR_WIDTH_LONG),
                ClInfo.deviceIntOrZero(id, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT),
                ClInfo.deviceIntOrZero(id, CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE),
                ClInfo.deviceIntOrZero(id, CL_DEVICE_NATIVE_VECTOR_WIDTH_HALF));
    }

    private static long safeLong(cl_device_id id, int param) {
        long[] value = new long[1];
        int status = clGetDeviceInfo(id, param, org.jocl.Sizeof.cl_ulong, org.jocl.Pointer.to(value), null);
        return status == CL_SUCCESS ? value[0] : 0;
    }

    static String typeName(long type) {
        List<String> names = new ArrayList<>();
        if ((type & CL_DEVICE_TYPE_CPU) != 0) {
            names.add("CPU");
        }
        if ((type & CL_DEVICE_TYPE_GPU) != 0) {
            names.add("GPU");
        }
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) {
            names.add("ACCELERATOR");
        }
        if ((type & CL_DEVICE_TYPE_CUSTOM) != 0) {
            names.add("CUSTOM");
        }
        if (names.isEmpty()) {
            names.add("DEFAULT");
        }
        return String.join("+", names);
    }
}
