/** Days past due, bucketed (SPEC section 4): CURRENT, then 1-30, 31-60, 61-90 and 90+. */
export type DelinquencyBucketName = 'CURRENT' | 'DPD_1_30' | 'DPD_31_60' | 'DPD_61_90' | 'DPD_90_PLUS';

export const delinquencyBucket = (days: number): DelinquencyBucketName =>
  days <= 0
    ? 'CURRENT'
    : days <= 30
      ? 'DPD_1_30'
      : days <= 60
        ? 'DPD_31_60'
        : days <= 90
          ? 'DPD_61_90'
          : 'DPD_90_PLUS';
