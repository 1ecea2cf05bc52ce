export declare const holdout: readonly (readonly [string, string, string, string])[];
