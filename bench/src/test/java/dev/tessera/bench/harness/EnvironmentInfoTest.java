package dev.tessera.bench.harness;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * git_commit holds the commit or null: never a warning the git child printed. The test JVMs run with the JDK's libjsig
 * in LD_PRELOAD (as ./tessera does), the setting that once put a JVM warning into the results file.
 */
class EnvironmentInfoTest {
    @Test
    void gitCommitIsTheCheckoutsHash() throws Exception {
        String commit = EnvironmentInfo.gitCommit();
        // the tests run inside the repository's checkout, so there is a commit, and git's own answer agrees
        Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String expected = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        assertTrue(expected.matches("[0-9a-f]{40}"), "git here: " + expected);
        assertNotNull(commit);
        assertTrue(commit.equals(expected) || commit.equals(expected + "-dirty"), commit + " vs " + expected);
    }

    @Test
    void theGitChildGetsNoPreloadAndItsStderrIsDropped() {
        ProcessBuilder git = EnvironmentInfo.gitProcess(Path.of("."), "rev-parse", "HEAD");
        assertFalse(git.environment().containsKey("LD_PRELOAD"), "LD_PRELOAD is not inherited");
        assertFalse(git.redirectErrorStream());
        assertEquals(ProcessBuilder.Redirect.DISCARD, git.redirectError());
    }

    @Test
    void anythingButAHashIsNull() {
        assertNull(EnvironmentInfo.commitHash(null));
        assertNull(EnvironmentInfo.commitHash("Warning: libjsig is preloaded\n"
                + "0123456789abcdef0123456789abcdef01234567"));
        assertNull(EnvironmentInfo.commitHash("fatal: not a git repository"));
        assertEquals("0123456789abcdef0123456789abcdef01234567",
                EnvironmentInfo.commitHash("0123456789abcdef0123456789abcdef01234567\n"));
    }
}
