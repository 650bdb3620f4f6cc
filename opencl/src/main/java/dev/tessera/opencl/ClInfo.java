package dev.tessera.opencl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Typed reads of clGetPlatformInfo and clGetDeviceInfo, each status checked. */
final class ClInfo {
    private ClInfo() {
    }

    static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        OpenClException.check(CL.clGetPlatformInfo(platform, param, 0, null, size), "clGetPlatformInfo");
        byte[] bytes = new byte[(int) size[0]];
        OpenClException.check(CL.clGetPlatformInfo(platform, param, bytes.length, Pointer.to(bytes), null),
                "clGetPlatformInfo");
        return cString(bytes);
    }

    static String deviceString(cl_device_id device, int param) {
        return cString(deviceBytes(device, param));
    }

    static long deviceLong(cl_device_id device, int param) {
        long[] value = new long[1];
        OpenClException.check(CL.clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(value), null),
                "clGetDeviceInfo");
        return value[0];
    }

    static int deviceInt(cl_device_id device, int param) {
        int[] value = new int[1];
        OpenClException.check(CL.clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(value), null),
                "clGetDeviceInfo");
        return value[0];
    }

    /** A cl_uint query that older devices may not know (e.g. half vector widths before OpenCL 1.1): 0 then. */
    static int deviceIntOrZero(cl_device_id device, int param) {
        int[] value = new int[1];
        int status = CL.clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(value), null);
        return status == CL.CL_SUCCESS ? value[0] : 0;
    }

    static long deviceSize(cl_device_id device, int param) {
        return deviceSizes(device, param)[0];
    }

    static long[] deviceSizes(cl_device_id device, int param) {
        byte[] bytes = deviceBytes(device, param);
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        int n = bytes.length / Sizeof.size_t;
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = Sizeof.size_t == 8 ? buffer.getLong() : Integer.toUnsignedLong(buffer.getInt());
        }
        return values;
    }

    private static byte[] deviceBytes(cl_device_id device, int param) {
        long[] size = new long[1];
        OpenClException.check(CL.clGetDeviceInfo(device, param, 0, null, size), "clGetDeviceInfo");
        byte[] bytes = new byte[(int) size[0]];
        OpenClException.check(CL.clGetDeviceInfo(device, param, bytes.length, Pointer.to(bytes), null),
                "clGetDeviceInfo");
        return bytes;
    }

    static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8).strip();
    }
}
