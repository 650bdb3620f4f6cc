package dev.tessera.backend.opencl.gpu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.opencl.DeviceInfo;

/**
 * The tunables of {@code gemm_gpu.cl} (CLBlast's xgemm names): a work-group computes an {@code mwg} x {@code nwg} tile
 * of C, staging {@code kwg}-deep slices of A and B in local memory; its {@code mdimc} x {@code ndimc} work-items each
 * keep an (mwg/mdimc) x (nwg/ndimc) register tile and read A and B in vectors of {@code vwm} and {@code vwn} floats.
 * The constructor checks the rules the kernel needs; {@link #problemsOn} checks a device's limits.
 */
public record XgemmParameters(int mwg, int nwg, int kwg, int mdimc, int ndimc, int vwm, int vwn) {
    /** The vector widths the kernel accepts. */
    public static final List<Integer> VECTOR_WIDTHS = List.of(1, 2, 4, 8);

    /** The most accumulators one work-item may keep: beyond it registers spill and compilers take minutes. */
    public static final int MAX_REGISTER_TILE = 128;

    public XgemmParameters {
        if (mwg < 1 || nwg < 1 || kwg < 1 || mdimc < 1 || ndimc < 1) {
            throw new IllegalArgumentException("xgemm " + describe(mwg, nwg, kwg, mdimc, ndimc, vwm, vwn)
                    + ": every size must be positive");
        }
        if (!VECTOR_WIDTHS.contains(vwm) || !VECTOR_WIDTHS.contains(vwn)) {
            throw new IllegalArgumentException("xgemm " + describe(mwg, nwg, kwg, mdimc, ndimc, vwm, vwn)
                    + ": VWM and VWN must be one of " + VECTOR_WIDTHS);
        }
        if (mwg % (mdimc * vwm) != 0 || nwg % (ndimc * vwn) != 0) {
            throw new IllegalArgumentException("xgemm " + describe(mwg, nwg, kwg, mdimc, ndimc, vwm, vwn)
                    + ": MWG must be a multiple of MDIMC*VWM and NWG of NDIMC*VWN");
        }
        if ((mwg / mdimc) * (nwg / ndimc) > MAX_REGISTER_TILE) {
            throw new IllegalArgumentException("xgemm " + describe(mwg, nwg, kwg, mdimc, ndimc, vwm, vwn)
                    + ": a register tile of " + (mwg / mdimc) + "x" + (nwg / ndimc) + " exceeds "
                    + MAX_REGISTER_TILE + " accumulators");
        }
    }

    /** Parses {@link #toString()}'s form, {@code MWG=64 NWG=64 KWG=16 MDIMC=16 NDIMC=16 VWM=2 VWN=2}. */
    public static XgemmParameters parse(String text) {
        Map<String, Integer> values = new LinkedHashMap<>();
        for (String part : text.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("xgemm parameters: '" + part + "' is not NAME=VALUE");
            }
            try {
                values.put(part.substring(0, eq), Integer.parseInt(part.substring(eq + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("xgemm parameters: '" + part + "' is not NAME=integer");
            }
        }
        List<String> names = List.of("MWG", "NWG", "KWG", "MDIMC", "NDIMC", "VWM", "VWN");
        if (!values.keySet().equals(new java.util.LinkedHashSet<>(names))) {
            throw new IllegalArgumentException("xgemm parameters need exactly " + names + ", got " + values.keySet());
        }
        return new XgemmParameters(values.get("MWG"), values.get("NWG"), values.get("KWG"), values.get("MDIMC"),
                values.get("NDIMC"), values.get("VWM"), values.get("VWN"));
    }

    /** Work-items per work-group. */
    public int workGroupSize() {
        return mdimc * ndimc;
    }

    /** The local memory the kernel's tiles take: KWG * (MWG + NWG) floats. */
    public long localMemBytes() {
        return (long) kwg * (mwg + nwg) * Float.BYTES;
    }

    /**
     * Why these parameters cannot run on {@code device} (work-group size and per-dimension limits, local memory); an
     * empty list when they can. The kernel's own limits (CL_KERNEL_WORK_GROUP_SIZE, its local memory use) are checked
     * again after it is built.
     */
    public List<String> problemsOn(DeviceInfo device) {
        List<String> problems = new ArrayList<>();
        if (workGroupSize() > device.maxWorkGroupSize()) {
            problems.add("work-groups of " + workGroupSize() + " items exceed the device's " + device.maxWorkGroupSize());
        }
        List<Long> sizes = device.maxWorkItemSizes();
        if (sizes.size() < 2 || mdimc > sizes.get(0) || ndimc > sizes.get(1)) {
            problems.add("work-group " + mdimc + "x" + ndimc + " exceeds the device's per-dimension limits " + sizes);
        }
        if (localMemBytes() > device.localMemBytes()) {
            problems.add("tiles of " + localMemBytes() + " bytes of local memory exceed the device's "
                    + device.localMemBytes());
        }
        return problems;
    }

    /** The -D options that compile gemm_gpu.cl (FUSE_RELU=1: the relu argument switches common.h's ACTIVATE on). */
    public String buildOptions() {
        return "-DMWG=" + mwg + " -DNWG=" + nwg + " -DKWG=" + kwg + " -DMDIMC=" + mdimc + " -DNDIMC=" + ndimc
                + " -DVWM=" + vwm + " -DVWN=" + vwn + " -DFUSE_RELU=1";
    }

    /** The parameters by name, in the kernel's order (for JSON and result rows). */
    public Map<String, Integer> asMap() {
        Map<String, Integer> map = new LinkedHashMap<>();
        map.put("MWG", mwg);
        map.put("NWG", nwg);
        map.put("KWG", kwg);
        map.put("MDIMC", mdimc);
        map.put("NDIMC", ndimc);
        map.put("VWM", vwm);
        map.put("VWN", vwn);
        return map;
    }

    @Override
    public String toString() {
        return describe(mwg, nwg, kwg, mdimc, ndimc, vwm, vwn);
    }

    private static String describe(int mwg, int nwg, int kwg, int mdimc, int ndimc, int vwm, int vwn) {
        return "MWG=" + mwg + " NWG=" + nwg + " KWG=" + kwg + " MDIMC=" + mdimc + " NDIMC=" + ndimc + " VWM=" + vwm
                + " VWN=" + vwn;
    }
}
