/**
 * Fields of CXone's v34 list responses that an import can read: the items of `GET /agents`
 * (`agents[]`), `GET /teams` (`teams[]`) and `GET /groups` (`groups[]`) in NICE's Admin API
 * description (docs/cxone-contract.md#agents). Values of `import.accountAttributes` and of the
 * entitlement attribute maps name these; anything else imports nothing, silently, so validation
 * refuses it with the closest field. test/tenant-fields.test.ts keeps the lists equal to the
 * vendored OpenAPI subset.
 */
export const AGENT_RESPONSE_FIELDS: readonly string[] = [
  "ACWEnabled", "ACWRange", "AttendantUserStatus", "DigitalEngagementEnabled", "DivisionNo", "IsDirectVoicemailTransferEnabled",
  "LoginAuthenticatorId", "Teams_channel_Id", "address1", "address2", "agentContactAutoFocus", "agentCxaClientVersion",
  "agentCxaReleasePrevious", "agentDeliveryMode", "agentEmailThreshold", "agentId", "agentIntegration", "agentMaxVersion",
  "agentPhoneTimeout", "agentPhoneTimeoutSeconds", "agentRequestContact", "agentTotalContactCount", "agentVoiceThreshold",
  "agentWorkItemThreshold", "apiKey", "atHome", "channelLock", "chatRefusalTimeout", "chatThreshold", "city",
  "combinedUserNameDomain", "contactAutoFocus", "country", "countryName", "createDate", "crmUserName", "custom1", "custom2",
  "custom3", "custom4", "custom5", "customerCard", "defaultDialingPattern", "defaultDialingPatternName", "deliveryMode",
  "digitalRefusalTimeout", "digitalThreshold", "emailAddress", "emailRefusalTimeout", "emailThreshold", "employmentType",
  "employmentTypeName", "federatedId", "firstName", "hireDate", "hiringSource", "hourlyCost", "inactiveDate", "internalId",
  "isActive", "isBillable", "isOpenIdProfileComplete", "isSupervisor", "isWhatIfAgent", "issuer", "lastLogin", "lastName",
  "lastUpdated", "location", "locked", "maxConcurrentChats", "maxEmailAutoParkingLimit", "maxPreview", "middleName",
  "noFixedAddress", "notes", "ntLoginName", "phoneRefusalTimeout", "profileId", "profileName", "recordingNumbers", "referral",
  "rehireStatus", "reportToId", "reportToName", "requestContact", "rowNumber", "scheduleNotification", "sendEmailNotifications",
  "sipUser", "smsRefusalTimeout", "smsThreshold", "state", "stateCode", "subject", "systemDomain", "systemUser", "teamId",
  "teamName", "teamUuId", "telephone1", "telephone2", "terminationDate", "timeDisplayFormat", "timeZone", "timeZoneOffset",
  "totalContactCount", "useAgentTimeZone", "useTeamChatThreshold", "useTeamContactAutoFocus", "useTeamDeliveryModeSettings",
  "useTeamDigitalThreshold", "useTeamEmailAutoParkingLimit", "useTeamEmailThreshold", "useTeamMaxConcurrentChats",
  "useTeamRequestContact", "useTeamSmsThreshold", "useTeamVoiceThreshold", "useTeamWorkItemThreshold", "userID", "userName",
  "userNameDomain", "userType", "voiceThreshold", "voicemailRefusalTimeout", "workItemRefusalTimeout", "workItemThreshold", "zipCode",
];

export const TEAM_RESPONSE_FIELDS: readonly string[] = [
  "agentCount", "analyticsEnabled", "channelLock", "chatThreshold", "contactAutoFocus", "cxoneCustomerAuthenticationEnabled",
  "deliveryMode", "digitalThreshold", "divisionNo", "emailThreshold", "inViewChatEnabled", "inViewEnabled",
  "inViewGamificationEnabled", "inViewLMSEnabled", "inViewWallboardEnabled", "isActive", "lastUpdateTime", "maxConcurrentChats",
  "maxEmailAutoParkingLimit", "niceAnalyticsEnabled", "niceAudioRecordingEnabled", "niceCoachingEnabled",
  "niceDesktopAnalyticsEnabled", "niceLessonManagementEnabled", "nicePerformanceManagementEnabled", "niceQmEnabled",
  "niceQualityOptimizationEnabled", "niceScreenRecordingEnabled", "niceShiftBiddingEnabled", "niceSpeechAnalyticsEnabled",
  "niceStrategicPlannerEnabled", "niceSurvey_CustomerEnabled", "niceWfmEnabled", "niceWfoAdvancedEnabled",
  "niceWfoEssentialsEnabled", "notes", "qm2Enabled", "requestContact", "smsThreshold", "socialThreshold", "teamId", "teamLeadId",
  "teamName", "teamUuid", "totalContactCount", "unavailableCodes", "voiceThreshold", "wfm2Enabled", "wfoEnabled", "workItemThreshold",
];

/**
 * Team fields real responses carry that the v34 list-item schema leaves out: `description` is in
 * NICE's older Admin API documents and in generated v34 clients (docs/cxone-contract.md#teams).
 */
export const TEAM_FIELDS_OUTSIDE_V34_SCHEMA: readonly string[] = ["description"];

export const GROUP_RESPONSE_FIELDS: readonly string[] = ["groupId", "groupName", "isActive", "lastUpdated", "notes"];
