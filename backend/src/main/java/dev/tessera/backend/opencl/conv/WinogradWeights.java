package dev.tessera.backend.opencl.conv;

/**
 * The Winograd weight transform U = G g G^T of F(m x m, 3 x 3), done once per layer on the host in double precision.
 * The input and output transforms (B^T, A^T) live in conv_winograd.cl.
 */
final class WinogradWeights {
    /** G of F(2x2, 3x3) (Lavin and Gray). */
    private static final double[][] G2 = {
        {1, 0, 0},
        {0.5, 0.5, 0.5},
        {0.5, -0.5, 0.5},
        {0, 0, 1}};

    /** G of F(4x4, 3x3), interpolation points 0, 1, -1, 2, -2 (Lavin and Gray). */
    private static final double[][] G4 = {
        {1.0 / 4, 0, 0},
        {-1.0 / 6, -1.0 / 6, -1.0 / 6},
        {-1.0 / 6, 1.0 / 6, -1.0 / 6},
        {1.0 / 24, 1.0 / 12, 1.0 / 6},
        {1.0 / 24, -1.0 / 12, 1.0 / 6},
        {0, 0, 1}};

    private WinogradWeights() {
    }

    static int alpha(int m) {
        return m + 2;
    }

    /**
     * Transforms 3x3 weights [K, C, 3, 3] into alpha^2 row-major K x C matrices, matrix xi = i * alpha + j holding
     * (G g G^T)[i][j] for every (k, c).
     */
    static float[] transform(float[] weights, int k, int c, int m) {
        double[][] g = switch (m) {
            case 2 -> G2;
            case 4 -> G4;
            default -> throw new IllegalArgumentException("Winograd output tile must be 2 or 4: " + m);
        };
        int alpha = alpha(m);
        float[] u = new float[alpha * alpha * k * c];
        double[][] gw = new double[alpha][3];
        for (int ko = 0; ko < k; ko++) {
            for (int ci = 0; ci < c; ci++) {
                int base = (ko * c + ci) * 9;
                for (int i = 0; i < alpha; i++) { // G g
                    for (int col = 0; col < 3; col++) {
                        double sum = 0;
                        for (int l = 0; l < 3; l++) {
                            sum += g[i][l] * weights[base + l * 3 + col];
                        }
                        gw[i][col] = sum;
                    }
                }
                for (int i = 0; i < alpha; i++) { // (G g) G^T
                    for (int j = 0; j < alpha; j++) {
                        double sum = 0;
                        for (int l = 0; l < 3; l++) {
                            sum += gw[i][l] * g[j][l];
                        }
                        u[((i * alpha + j) * k + ko) * c + ci] = (float) sum;
                    }
                }
            }
        }
        return u;
    }
}
