package jfunc.common.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretArgsTest {
    @Test
    void envKeepsItsNamesAndSecretlyNamedMembersLoseTheirValues() {
        Map<String, Object> options = Map.of("env", Map.of("PGPASSWORD", "x"), "timeout", 5,
                "nested", Map.of("api_token", "y"), "list", new Object[] {Map.of("Password", "z")});
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) SecretArgs.redact(List.of("psql", options)).get(1);
        assertEquals(Map.of("PGPASSWORD", SecretArgs.REDACTED), r.get("env"));
        assertEquals(5, r.get("timeout"));
        assertEquals(Map.of("api_token", SecretArgs.REDACTED), r.get("nested"));
        assertEquals(Map.of("Password", SecretArgs.REDACTED), ((Object[]) r.get("list"))[0]);
        assertEquals("psql", SecretArgs.redact(List.of("psql", options)).get(0));
    }
}
