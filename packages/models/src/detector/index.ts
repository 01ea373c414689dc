/** Single-image detection API (filled in by the detector work). */
export {};
