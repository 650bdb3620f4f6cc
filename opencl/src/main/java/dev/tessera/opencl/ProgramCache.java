package dev.tessera.opencl;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiled program binaries on disk, one file per (device name, driver version, source, build options). Entries are
 * written atomically and carry their full key and a SHA-256 of the binary; an entry that is truncated, corrupt or made
 * for another key is reported as {@link Lookup.Kind#BAD}, deleted, and rebuilt by the caller: never trusted.
 *
 * <p>The directory is, in order: the system property {@code tessera.cache.dir}, the environment variable
 * {@code TESSERA_CACHE_DIR}, {@code $XDG_CACHE_HOME/tessera}, {@code ~/.cache/tessera}; programs go to its
 * {@code programs/} folder. {@link #disabled()} turns caching off.
 */
public final class ProgramCache {
    private static final Logger LOG = LoggerFactory.getLogger(ProgramCache.class);
    private static final int MAGIC = 0x54534231; // "TSB1"

    private final Path dir;

    private ProgramCache(Path dir) {
        this.dir = dir;
    }

    public static ProgramCache at(Path dir) {
        return new ProgramCache(dir);
    }

    public static ProgramCache disabled() {
        return new ProgramCache(null);
    }

    /** The cache in Tessera's default cache directory (see the class comment). */
    public static ProgramCache defaultCache() {
        return new ProgramCache(defaultRoot().resolve("programs"));
    }

    /** Tessera's cache root: compiled programs, tuning databases and downloads live below it. */
    public static Path defaultRoot() {
        String property = System.getProperty("tessera.cache.dir");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String env = System.getenv("TESSERA_CACHE_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "tessera");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "tessera");
    }

    public boolean enabled() {
        return dir != null;
    }

    public Path directory() {
        return dir;
    }

    /** The full key of a program: everything that changes the binary. */
    public static String key(DeviceInfo device, ProgramSource source, String options) {
        return "device=" + device.name() + "\ndriver=" + device.driverVersion() + "\nplatform="
                + device.platformVersion() + "\noptions=" + options + "\nsource-sha256=" + Sha256.hex(source.text());
    }

    /** The file that holds the entry for {@code key}. */
    public Path entryPath(String key) {
        return dir.resolve(Sha256.hex(key) + ".bin");
    }

    /** What a lookup found. */
    public record Lookup(Kind kind, byte[] binary, String problem) {
        public enum Kind { HIT, MISS, BAD }
    }

    public Lookup load(String key) {
        if (!enabled()) {
            return new Lookup(Lookup.Kind.MISS, null, null);
        }
        Path path = entryPath(key);
        if (!Files.exists(path)) {
            return new Lookup(Lookup.Kind.MISS, null, null);
        }
        String problem;
        try (DataInputStream in = new DataInputStream(Files.newInputStream(path))) {
            if (in.readInt() != MAGIC) {
                problem = "not a Tessera program cache entry";
            } else {
                String storedKey = in.readUTF();
                int length = in.readInt();
                byte[] digest = in.readNBytes(32);
                byte[] binary = length >= 0 && length < (1 << 30) ? in.readNBytes(length) : new byte[0];
                if (!storedKey.equals(key)) {
                    problem = "entry belongs to another device, driver or source";
                } else if (binary.length != length || length == 0) {
                    problem = "entry is truncated";
                } else if (!Arrays.equals(digest, Sha256.of(binary))) {
                    problem = "entry checksum does not match";
                } else {
                    return new Lookup(Lookup.Kind.HIT, binary, null);
                }
            }
        } catch (IOException e) {
            problem = "entry unreadable: " + e.getMessage();
        }
        LOG.warn("program cache entry {} is bad ({}); rebuilding", path, problem);
        remove(key);
        return new Lookup(Lookup.Kind.BAD, null, problem);
    }

    /** Writes an entry atomically (temporary file, then rename). Failures are logged, never fatal. */
    public void store(String key, byte[] binary) {
        if (!enabled() || binary == null || binary.length == 0) {
            return;
        }
        Path path = entryPath(key);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(binary.length + 1024);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(MAGIC);
                out.writeUTF(key);
                out.writeInt(binary.length);
                out.write(Sha256.of(binary));
                out.write(binary);
            }
            Files.createDirectories(dir);
            AtomicFiles.write(path, bytes.toByteArray());
        } catch (IOException e) {
            LOG.warn("could not write program cache entry {}: {}", path, e.getMessage());
        }
    }

    public void remove(String key) {
        if (!enabled()) {
            return;
        }
        try {
            Files.deleteIfExists(entryPath(key));
        } catch (IOException e) {
            LOG.warn("could not delete program cache entry: {}", e.getMessage());
        }
    }
}
