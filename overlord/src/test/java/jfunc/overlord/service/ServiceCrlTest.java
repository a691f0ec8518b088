package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.cli.JfuncCli;
import jfunc.overlord.jobs.RealMinions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, findings 5 and 9: a long-lived jfunc-overlord read its CRL once, so a minion revoked
 * later went on getting its calls until a SIGHUP. Now a changed CRL is applied on its own.
 */
@Timeout(120)
class ServiceCrlTest {
    @TempDir
    Path dir;

    @Test
    void aMinionRevokedWhileTheServiceRunsStopsGettingCalls() throws Exception {
        try (RealMinions fleet = new RealMinions(dir.resolve("fleet"))) {
            List<MinionAddress> all = List.of(fleet.start("a.example.org"), fleet.start("b.example.org"));
            StateDir state = fleet.overlordState(dir.resolve("state"), all);
            try (OverlordService service = OverlordService.start(state, ServiceTest.settings())) {
                assertEquals(0, jfunc(state, "a.example.org", "ping"));
                fleet.revoke("a.example.org", state.overlord().resolve("crl.pem"));
                int code = 0;
                for (int i = 0; i < 50 && code == 0; i++) {
                    Thread.sleep(200);
                    code = jfunc(state, "a.example.org", "ping");
                }
                assertEquals(1, code, "the revoked minion still answered through the service");
                assertEquals(0, jfunc(state, "b.example.org", "ping"));
            }
        }
    }

    private static int jfunc(StateDir state, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("--state-dir", state.root().toString()));
        all.addAll(List.of(args));
        return JfuncCli.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
                all.toArray(String[]::new));
    }
}
