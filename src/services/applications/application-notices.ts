import { formatMoney, formatRateBp } from '../../domain/common/money';
import type { Decision } from '../../domain/applications/scorecard';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { toGlobalId } from '../../lib/global-id';
import { APPLICATION_TYPE } from './application-events';
import { OFFER_VALID_DAYS } from './decision';

/** What the applicant is told: the notification's kind, title and body. */
export interface Notice {
  kind: NotificationKind;
  title: string;
  body: string;
}

const reasonsText = (d: Pick<Decision, 'reasons'>): string => d.reasons.map((r) => r.description).join(' ');

/** The applicant's notification for a decision (approved, declined with reasons, referred). */
export function decisionNotice(
  d: Pick<Decision, 'outcome' | 'approvedAmount' | 'aprBp' | 'reasons' | 'counterOffer'>,
  reviewed: boolean,
): Notice {
  const after = reviewed ? ' after review' : '';
  if (d.outcome === 'APPROVED') {
    const amount = formatMoney(d.approvedAmount!);
    const less = d.counterOffer ? ` (less than you asked for: ${reasonsText(d)})` : '';
    return {
      kind: NotificationKind.APPLICATION_APPROVED,
      title: 'Your application is approved',
      body: `Approved${after}: ${amount} at ${formatRateBp(d.aprBp!)}% APR${less}. The offer is open for ${OFFER_VALID_DAYS} days.`,
    };
  }
  if (d.outcome === 'DECLINED') {
    return {
      kind: NotificationKind.APPLICATION_DECLINED,
      title: 'Your application was declined',
      body: `We could not approve your application${after}. Reasons: ${reasonsText(d)}`,
    };
  }
  return {
    kind: NotificationKind.APPLICATION_REFERRED,
    title: 'Your application is under review',
    body: 'An underwriter will look at your application. We will let you know the outcome.',
  };
}

/** The applicant's notification when they withdraw. */
export const CANCELLED_NOTICE: Notice = {
  kind: NotificationKind.APPLICATION_CANCELLED,
  title: 'Application cancelled',
  body: 'You cancelled your application.',
};

/** A notification's deep link to its application. */
export const noticeData = (applicationId: string): Record<string, unknown> => ({
  applicationId: toGlobalId(APPLICATION_TYPE, applicationId),
});
